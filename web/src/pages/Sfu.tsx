import { useEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import { CallControls } from "../components/CallControls";
import { Chat } from "../components/Chat";
import { emptyChat, reduceChat } from "../lib/chat";
import { LinkIcon } from "../components/Icons";
import { canPickSpeaker, RemoteAudio } from "../components/RemoteAudio";
import { Stage, type TileDesc } from "../components/Stage";
import type { View } from "../lib/layout";
import { canShareScreen, deviceEndedMessage, listDevices, mediaErrorMessage, mediaUnavailableReason, noDevices, openMedia, openScreen, openTrack, type Devices } from "../lib/media";
import { describe } from "../lib/quality";
import type { Member } from "../lib/roster";
import { screenKey } from "../lib/screen";
import { shortcutFor } from "../lib/shortcuts";
import { tokenFromSearch, tokenHints } from "../lib/access";
import { CallSession, type SessionView } from "../lib/session";
import { clipUtf8, MAX_NAME_BYTES, pageUrl, roomFromSearch, wsUrl } from "../lib/url";

const NAME_KEY = "umbrella.displayName";

interface CallSetup {
  room: string;
  token: string;
  name: string;
  viewer: boolean;
  local: MediaStream | null;
  warning: string | null;
}

function storedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

export function SfuPage({ prefix }: { prefix: string }) {
  const [setup, setSetup] = useState<CallSetup | null>(null);
  if (!setup) return <Lobby onJoin={setSetup} />;
  return (
    <Call
      prefix={prefix}
      setup={setup}
      onLeave={() => {
        setup.local?.getTracks().forEach((t) => t.stop());
        setSetup(null);
      }}
    />
  );
}

function DeviceSelect(props: { label: string; devices: MediaDeviceInfo[]; value: string; onChange: (id: string) => void }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)} disabled={!props.devices.length}>
        <option value="">Default</option>
        {props.devices.map((d, i) => (
          <option value={d.deviceId} key={d.deviceId || i}>
            {d.label || `${props.label} ${i + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}

function Lobby({ onJoin }: { onJoin: (s: CallSetup) => void }) {
  // A link with ?token= admits to the token's room; its name and viewer flag preset the lobby.
  const [token] = useState(() => tokenFromSearch(location.search));
  const hints = useMemo(() => tokenHints(token), [token]);
  const [room, setRoom] = useState(() => hints?.room ?? roomFromSearch(location.search));
  const [name, setName] = useState(() => hints?.name || storedName());
  const viewerOnly = hints !== null && !hints.canPublish;
  const [devices, setDevices] = useState<Devices>(noDevices);
  const [audioId, setAudioId] = useState("");
  const [videoId, setVideoId] = useState("");
  const [message, setMessage] = useState<string | null>(() => mediaUnavailableReason());
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    listDevices().then(setDevices).catch(() => undefined);
  }, []);

  const join = async (viewer: boolean) => {
    const r = clipUtf8(room.trim(), MAX_NAME_BYTES) || "default";
    const n = clipUtf8(name.trim(), MAX_NAME_BYTES);
    try {
      localStorage.setItem(NAME_KEY, n);
    } catch {
      // private mode: not remembered, nothing else lost
    }
    const url = new URL(location.href);
    url.searchParams.set("room", r);
    history.replaceState(null, "", url);
    if (viewer || viewerOnly) return onJoin({ room: r, token, name: n, viewer: true, local: null, warning: null });
    const why = mediaUnavailableReason();
    if (why) return setMessage(why);
    setBusy(true);
    setMessage(null);
    try {
      const { stream, warning } = await openMedia({ audioId, videoId });
      onJoin({ room: r, token, name: n, viewer, local: stream, warning });
    } catch (err) {
      setMessage(mediaErrorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card lobby">
      <h1>Join a call</h1>
      <form onSubmit={(e) => (e.preventDefault(), join(false))}>
        <label class="field">
          <span>Room</span>
          <input value={room} onInput={(e) => setRoom((e.target as HTMLInputElement).value)} maxLength={63} required readOnly={hints !== null} data-testid="room-input" />
        </label>
        <label class="field">
          <span>Your name</span>
          <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} maxLength={63} placeholder="How others see you" autoFocus data-testid="name-input" />
        </label>
        <div class="row">
          <DeviceSelect label="Camera" devices={devices.video} value={videoId} onChange={setVideoId} />
          <DeviceSelect label="Microphone" devices={devices.audio} value={audioId} onChange={setAudioId} />
        </div>
        {message && (
          <p class="notice warn" role="alert" data-testid="lobby-message">
            {message}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || viewerOnly} data-testid="join-media">
            {busy ? "Opening camera…" : "Join with camera and microphone"}
          </button>
          <button type="button" onClick={() => join(true)} disabled={busy} data-testid="join-viewer">
            Join as viewer
          </button>
        </div>
      </form>
    </section>
  );
}

const STATE_LABEL: Record<SessionView["state"], string> = {
  connecting: "Connecting",
  negotiating: "Setting up media",
  connected: "Connected",
  reconnecting: "Reconnecting",
  failed: "Failed",
  closed: "Left",
};

function Call({ prefix, setup, onLeave }: { prefix: string; setup: CallSetup; onLeave: () => void }) {
  const [view, setView] = useState<SessionView | null>(null);
  const [muted, setMuted] = useState({ audio: false, video: false });
  const [devices, setDevices] = useState<Devices>(noDevices);
  const [choice, setChoice] = useState(() => ({
    audio: setup.local?.getAudioTracks()[0]?.getSettings().deviceId ?? "",
    video: setup.local?.getVideoTracks()[0]?.getSettings().deviceId ?? "",
    output: "",
  }));
  const [layoutView, setLayoutView] = useState<View>("grid");
  const [notice, setNotice] = useState<string | null>(setup.warning);
  const [blocked, setBlocked] = useState(false);
  const [copied, setCopied] = useState(false);
  const session = useRef<CallSession | null>(null);
  const [chat, chatDo] = useReducer(reduceChat, emptyChat);
  const viewRef = useRef<SessionView | null>(null);
  viewRef.current = view;
  const nameOf = (id: string) => viewRef.current?.roster.members.find((m) => m.id === id)?.name ?? "";

  useEffect(() => {
    const onChat = (from: string, text: string) => chatDo({ kind: "received", from, name: nameOf(from), text, at: Date.now() });
    const s = new CallSession({ url: wsUrl(location, prefix), room: setup.room, name: setup.name, viewer: setup.viewer, token: setup.token, local: setup.local, onChange: setView, onChat });
    session.current = s;
    s.start();
    return () => s.leave();
  }, []);

  // Which remote videos are on screen and how tall, for the SFU (session.reportViews): only
  // rendered tiles hold a <video>, so a tile on another page of the grid is left out. Heights
  // are rounded up to 60 device pixels so small resizes send nothing.
  useEffect(() => {
    const timer = setInterval(() => {
      const shown = new Map<MediaStreamTrack, number>();
      document.querySelectorAll<HTMLElement>("[data-testid=tile]:not([data-self])").forEach((tile) => {
        const track = (tile.querySelector("video")?.srcObject as MediaStream | null)?.getVideoTracks()[0];
        const height = tile.getBoundingClientRect().height * (window.devicePixelRatio || 1);
        if (track && height > 0) shown.set(track, Math.ceil(height / 60) * 60);
      });
      session.current?.reportViews(shown);
    }, 1000);
    return () => clearInterval(timer);
  }, []);

  // Devices come and go (unplugged, plugged in): the pickers follow, and a device of ours that
  // stopped says so.
  useEffect(() => {
    const refresh = () => listDevices().then(setDevices).catch(() => undefined);
    refresh();
    navigator.mediaDevices?.addEventListener?.("devicechange", refresh);
    return () => navigator.mediaDevices?.removeEventListener?.("devicechange", refresh);
  }, []);
  useEffect(() => {
    const tracks = setup.local?.getTracks() ?? [];
    const ended = (ev: Event) => setNotice(deviceEndedMessage((ev.target as MediaStreamTrack).kind));
    tracks.forEach((t) => t.addEventListener("ended", ended));
    return () => tracks.forEach((t) => t.removeEventListener("ended", ended));
  }, [choice]);

  const hasAudio = !!setup.local?.getAudioTracks().length;
  const hasVideo = !!setup.local?.getVideoTracks().length;
  const toggle = (kind: "audio" | "video") => {
    const next = { ...muted, [kind]: !muted[kind] };
    setMuted(next);
    session.current?.setMuted(next.audio, next.video);
  };
  const switchDevice = async (kind: "audio" | "video" | "output", id: string) => {
    if (kind === "output") return setChoice({ ...choice, output: id });
    try {
      await session.current?.replaceTrack(await openTrack(kind, id));
      setChoice({ ...choice, [kind]: id });
      setNotice(null);
    } catch (err) {
      setNotice(mediaErrorMessage(err));
    }
  };
  const share = async () => {
    if (view?.screen) return session.current?.stopScreen();
    try {
      const stream = await openScreen();
      if (stream) session.current?.shareScreen(stream);
    } catch (err) {
      setNotice(`Could not share the screen: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const copyLink = async () => {
    const link = pageUrl(location.origin, prefix, "sfu", setup.room);
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      window.prompt("Copy this link", link);
    }
  };
  const unblockAudio = () => {
    document.querySelectorAll("audio, video").forEach((v) => (v as HTMLMediaElement).play().catch(() => undefined));
    setBlocked(false);
  };

  const roster = view?.roster;
  const selfId = roster?.selfId ?? "self";
  const others = useMemo(() => (roster?.members ?? []).filter((m) => m.id !== roster?.selfId), [roster]);
  const state = view?.state ?? "connecting";
  const streams = view?.streams ?? new Map<string, MediaStream>();
  const tiles = callTiles({ setup, selfId, others, streams, screen: view?.screen ?? null, muted: { audio: muted.audio || !hasAudio, video: muted.video || !hasVideo } });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = shortcutFor(e);
      if (!action) return;
      e.preventDefault();
      if (action === "mute" && hasAudio && !setup.viewer) toggle("audio");
      else if (action === "camera" && hasVideo && !setup.viewer) toggle("video");
      else if (action === "share" && !setup.viewer && canShareScreen()) void share();
      else if (action === "layout") setLayoutView(layoutView === "grid" ? "speaker" : "grid");
      else if (action === "fullscreen") document.querySelector<HTMLElement>(".main-tile .tile, .grid .tile")?.requestFullscreen?.().catch(() => undefined);
      else if (action === "leave") onLeave();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const own = roster?.selfId ? view?.quality.get(roster.selfId) : undefined;
  return (
    <section class="call" aria-label={`Call in room ${setup.room}`}>
      <div class="call-bar">
        <div class="room">
          <h1 class="room-name">{setup.room}</h1>
          <span class="muted-text">
            {others.length + (roster?.selfId ? 1 : 0)} in the room{setup.viewer ? " · watching" : ""}
          </span>
        </div>
        <span class={`pill state-${state}`} data-testid="connection-state" data-state={state} title={view?.detail ?? ""} role="status">
          {STATE_LABEL[state]}
        </span>
        <button onClick={copyLink} title="Copy a link to this room" aria-label="Copy link to this room" data-testid="copy-link">
          <LinkIcon /> {copied ? "Copied" : "Copy link"}
        </button>
      </div>
      {view?.detail && state !== "connected" && <p class="notice" data-testid="connection-detail">{view.detail}</p>}
      {state === "connected" && own?.grade === "poor" && (
        <p class="notice warn" role="status" data-testid="poor-connection">
          Your connection is poor ({describe(own)}). Others may see and hear you late or choppy.
        </p>
      )}
      {view?.serverError && <p class="notice error" role="alert" data-testid="server-error">Server: {view.serverError}</p>}
      {notice && (
        <p class="notice warn" role="alert" data-testid="call-notice">
          {notice} <button onClick={() => setNotice(null)} aria-label="Dismiss this message">OK</button>
        </p>
      )}
      {blocked && (
        <p class="notice">
          The browser blocked sound. <button onClick={unblockAudio}>Enable audio</button>
        </p>
      )}
      <Stage tiles={tiles} selfKey={roster?.selfId ?? null} speakers={roster?.speakers ?? []} videoPaused={roster?.videoPaused ?? false} view={layoutView} quality={view?.quality ?? new Map()} empty={setup.viewer ? "Nobody is here yet." : null} />
      {others.map((m) => {
        const s = streams.get(m.id);
        return s && s.getAudioTracks().length > 0 && <RemoteAudio key={m.id} stream={s} sinkId={choice.output} onBlocked={() => setBlocked(true)} />;
      })}
      <CallControls
        viewer={setup.viewer}
        hasAudio={hasAudio}
        hasVideo={hasVideo}
        muted={muted}
        sharing={!!view?.screen}
        canShare={canShareScreen()}
        speakerView={layoutView === "speaker"}
        devices={devices}
        choice={choice}
        canPickSpeaker={canPickSpeaker()}
        onToggle={toggle}
        onShare={() => void share()}
        onLayout={() => setLayoutView(layoutView === "grid" ? "speaker" : "grid")}
        onDevice={(kind, id) => void switchDevice(kind, id)}
        onLeave={onLeave}
      />
      <Chat
        chat={chat}
        onOpen={(open) => chatDo({ kind: "open", open })}
        onSend={(text) => session.current?.sendChat(text) === true && (chatDo({ kind: "sent", name: setup.name, text, at: Date.now() }), true)}
      />
    </section>
  );
}

// Every tile of the call: ours first, then everyone in order of arrival, each screen share
// right after its owner's camera.
function callTiles(a: { setup: CallSetup; selfId: string; others: Member[]; streams: ReadonlyMap<string, MediaStream>; screen: MediaStream | null; muted: { audio: boolean; video: boolean } }): TileDesc[] {
  const out: TileDesc[] = [];
  if (!a.setup.viewer) {
    out.push({ key: a.selfId, name: a.setup.name, self: true, screen: false, stream: a.setup.local, audioMuted: a.muted.audio, videoMuted: a.muted.video });
    if (a.screen) out.push({ key: screenKey(a.selfId), name: a.setup.name, self: true, screen: true, stream: a.screen, audioMuted: false, videoMuted: false });
  }
  for (const m of a.others) {
    out.push({ key: m.id, name: m.name, self: false, screen: false, stream: a.streams.get(m.id) ?? null, audioMuted: m.audioMuted, videoMuted: m.videoMuted });
    const screen = a.streams.get(screenKey(m.id));
    if (screen) out.push({ key: screenKey(m.id), name: m.name, self: false, screen: true, stream: screen, audioMuted: false, videoMuted: false });
  }
  return out;
}
