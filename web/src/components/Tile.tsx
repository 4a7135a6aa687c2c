import { useEffect, useRef, useState } from "preact/hooks";
import { describe, type Quality } from "../lib/quality";
import { CamIcon, ExpandIcon, MicIcon, PinIcon } from "./Icons";

export interface TileProps {
  id: string; // tile key: a participant id, or its screen's key
  name: string;
  self: boolean;
  screen: boolean;
  stream: MediaStream | null;
  audioMuted: boolean;
  videoMuted: boolean;
  speaking: boolean;
  pinned: boolean;
  bandwidthPaused?: boolean; // the SFU is not sending this video: our link cannot carry it
  quality?: Quality;
  onPin(): void;
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return (parts.length ? parts.slice(0, 2).map((p) => [...p][0]).join("") : "?").toUpperCase();
}

// Only tiles on screen are rendered, so only they hold a <video>; sound plays from
// RemoteAudio, so this element is always muted.
export function Tile(p: TileProps) {
  const box = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  // Initials until a picture arrives: a track can be live and never send a frame.
  const [framed, setFramed] = useState(false);
  const hasVideo = framed && !!p.stream?.getVideoTracks().some((t) => t.readyState === "live") && (p.screen || !p.videoMuted);
  const who = `${p.name || "Guest"}${p.self ? " (you)" : ""}`;
  const title = p.screen ? `${who}: screen` : who;

  useEffect(() => {
    const el = video.current;
    if (!el || el.srcObject === p.stream) return;
    el.srcObject = p.stream;
    setFramed(el.videoWidth > 0);
    if (p.stream) el.play().catch(() => undefined);
  }, [p.stream]);

  const fullScreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void box.current?.requestFullscreen?.().catch(() => undefined);
  };
  const grade = p.quality?.grade ?? "unknown";

  return (
    <div
      ref={box}
      class={`tile${p.speaking ? " speaking" : ""}${p.self ? " self" : ""}${p.screen ? " screen" : ""}`}
      role="group"
      aria-label={`${title}${p.speaking ? ", speaking" : ""}${p.audioMuted && !p.screen ? ", microphone muted" : ""}`}
      data-testid="tile"
      data-participant-id={p.id}
      data-kind={p.screen ? "screen" : "camera"}
      data-self={p.self ? "true" : undefined}
      data-speaking={p.speaking ? "true" : "false"}
      data-has-video={hasVideo ? "true" : "false"}
      data-quality={grade}
      data-bandwidth-paused={p.bandwidthPaused ? "true" : "false"}
      onDblClick={fullScreen}
    >
      <video ref={video} onResize={() => setFramed((video.current?.videoWidth ?? 0) > 0)} onLoadedMetadata={() => setFramed((video.current?.videoWidth ?? 0) > 0)} autoplay playsInline muted class={`${p.self && !p.screen ? "mirror" : ""}${hasVideo ? "" : " hidden"}${p.screen ? " contain" : ""}`} />
      {!hasVideo && <div class="avatar" aria-hidden="true">{initials(p.name)}</div>}
      {p.bandwidthPaused && (
        <div class="paused-note" role="status" data-testid="bandwidth-paused">
          Video paused for bandwidth
        </div>
      )}
      <div class="tile-tools">
        <button class={p.pinned ? "on" : ""} onClick={p.onPin} aria-pressed={p.pinned} aria-label={`${p.pinned ? "Unpin" : "Pin"} ${title}`} title={p.pinned ? "Unpin" : "Pin"} data-testid="pin">
          <PinIcon />
        </button>
        <button onClick={fullScreen} aria-label={`Full screen ${title}`} title="Full screen" data-testid="fullscreen">
          <ExpandIcon />
        </button>
      </div>
      <div class="label">
        {p.quality && (
          <span class={`quality q-${grade}`} role="img" aria-label={describe(p.quality)} title={describe(p.quality)} data-testid="quality">
            <i />
            <i />
            <i />
          </span>
        )}
        <span class="name" title={title}>
          {p.name || "Guest"}
          {p.screen ? "'s screen" : p.self && " (you)"}
        </span>
        {p.audioMuted && !p.screen && (
          <span class="badge" data-testid="audio-muted" title="Microphone muted">
            <MicIcon off />
          </span>
        )}
        {p.videoMuted && !p.screen && (
          <span class="badge" data-testid="video-muted" title="Camera off">
            <CamIcon off />
          </span>
        )}
      </div>
    </div>
  );
}
