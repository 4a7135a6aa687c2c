import { useEffect, useRef } from "preact/hooks";
import { CamIcon, MicIcon } from "./Icons";

export interface TileProps {
  id: string;
  name: string;
  self: boolean;
  stream: MediaStream | null;
  audioMuted: boolean;
  videoMuted: boolean;
  speaking: boolean;
  onAutoplayBlocked?: () => void;
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return (parts.length ? parts.slice(0, 2).map((p) => [...p][0]).join("") : "?").toUpperCase();
}

export function Tile(p: TileProps) {
  const video = useRef<HTMLVideoElement>(null);
  const hasVideo = !!p.stream?.getVideoTracks().some((t) => t.readyState === "live") && !p.videoMuted;

  useEffect(() => {
    const el = video.current;
    if (!el || el.srcObject === p.stream) return;
    el.srcObject = p.stream;
    if (p.stream) el.play().catch((err) => err?.name === "NotAllowedError" && p.onAutoplayBlocked?.());
  }, [p.stream]);

  return (
    <div
      class={`tile${p.speaking ? " speaking" : ""}${p.self ? " self" : ""}`}
      data-testid="tile"
      data-participant-id={p.id}
      data-self={p.self ? "true" : undefined}
      data-speaking={p.speaking ? "true" : "false"}
      data-has-video={hasVideo ? "true" : "false"}
    >
      {/* The element also plays remote audio, so it stays mounted even when video is off. */}
      <video ref={video} autoplay playsInline muted={p.self} class={`${p.self ? "mirror" : ""}${hasVideo ? "" : " hidden"}`} />
      {!hasVideo && <div class="avatar" aria-hidden="true">{initials(p.name)}</div>}
      <div class="label">
        <span class="name" title={p.name}>
          {p.name || "Guest"}
          {p.self && " (you)"}
        </span>
        {p.audioMuted && (
          <span class="badge" data-testid="audio-muted" title="Microphone muted">
            <MicIcon off />
          </span>
        )}
        {p.videoMuted && (
          <span class="badge" data-testid="video-muted" title="Camera off">
            <CamIcon off />
          </span>
        )}
      </div>
    </div>
  );
}
