import { useEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import { Chat } from "../components/Chat";
import { emptyChat, reduceChat } from "../lib/chat";
import { CamIcon, LeaveIcon, LinkIcon, MicIcon } from "../components/Icons";
import { Tile } from "../components/Tile";
import { listDevices, mediaErrorMessage, mediaUnavailableReason, openMedia, openTrack } from "../lib/media";
import { tokenFromSearch, tokenHints } from "../lib/access";
import { CallSession, type SessionView } from "../lib/session";
import { clipUtf8, MAX_NAME_BYTES, pageUrl, roomFromSearch, wsUrl } from "../lib/url";

const NAME_KEY = "umbrella.displayName";
const SPEAKING_LEVEL = 0.04;
const SPEAKING_HOLD_MS = 600;

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
  const [devices, setDevices] = useState<{ audio: MediaDeviceInfo[]; video: MediaDeviceInfo[] }>({ audio: [], video: [] });
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
  const [devices, setDevices] = useState<{ audio: MediaDeviceInfo[]; video: MediaDeviceInfo[] }>({ audio: [], video: [] });
  const [choice, setChoice] = useState(() => ({
    audio: setup.local?.getAudioTracks()[0]?.getSettings().deviceId ?? "",
    video: setup.local?.getVideoTracks()[0]?.getSettings().deviceId ?? "",
  }));
  const [notice, setNotice] = useState<string | null>(setup.warning);
  const [blocked, setBlocked] = useState(false);
  const [copied, setCopied] = useState(false);
  const session = useRef<CallSession | null>(null);
  const spokeAt = useRef(new Map<string, number>());
  const [chat, chatDo] = useReducer(reduceChat, emptyChat);
  const viewRef = useRef<SessionView | null>(null);
  viewRef.current = view;
  const nameOf = (id: string) => viewRef.current?.roster.members.find((m) => m.id === id)?.name ?? "";

  useEffect(() => {
    const onChat = (from: string, text: string) => chatDo({ kind: "received", from, name: nameOf(from), text, at: Date.now() });
    const s = new CallSession({ url: wsUrl(location, prefix), room: setup.room, name: setup.name, viewer: setup.viewer, token: setup.token, local: setup.local, onChange: setView, onChat });
    session.current = s;
    s.start();
    if (!setup.viewer) listDevices().then(setDevices).catch(() => undefined);
    return () => s.leave();
  }, []);

  const hasAudio = !!setup.local?.getAudioTracks().length;
  const hasVideo = !!setup.local?.getVideoTracks().length;
  const toggle = (kind: "audio" | "video") => {
    const next = { ...muted, [kind]: !muted[kind] };
    setMuted(next);
    session.current?.setMuted(next.audio, next.video);
  };
  const switchDevice = async (kind: "audio" | "video", id: string) => {
    setChoice({ ...choice, [kind]: id });
    try {
      await session.current?.replaceTrack(await openTrack(kind, id));
    } catch (err) {
      setNotice(mediaErrorMessage(err));
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
    document.querySelectorAll("video").forEach((v) => v.play().catch(() => undefined));
    setBlocked(false);
  };

  const now = Date.now();
  const speaking = (id: string) => {
    const level = view?.levels.get(id) ?? 0;
    if (level > SPEAKING_LEVEL) spokeAt.current.set(id, now);
    return now - (spokeAt.current.get(id) ?? 0) < SPEAKING_HOLD_MS;
  };

  const roster = view?.roster;
  const selfId = roster?.selfId ?? "self";
  const others = useMemo(() => (roster?.members ?? []).filter((m) => m.id !== roster?.selfId), [roster]);
  const state = view?.state ?? "connecting";
  const tiles = others.length + (setup.viewer ? 0 : 1);

  return (
    <section class="call">
      <div class="call-bar">
        <div class="room">
          <strong>{setup.room}</strong>
          <span class="muted-text">
            {others.length + (roster?.selfId ? 1 : 0)} in the room{setup.viewer ? " · watching" : ""}
          </span>
        </div>
        <span class={`pill state-${state}`} data-testid="connection-state" data-state={state} title={view?.detail ?? ""}>
          {STATE_LABEL[state]}
        </span>
        <button onClick={copyLink} title="Copy a link to this room" data-testid="copy-link">
          <LinkIcon /> {copied ? "Copied" : "Copy link"}
        </button>
      </div>
      {view?.detail && state !== "connected" && <p class="notice" data-testid="connection-detail">{view.detail}</p>}
      {view?.serverError && <p class="notice error" role="alert" data-testid="server-error">Server: {view.serverError}</p>}
      {notice && (
        <p class="notice warn" onClick={() => setNotice(null)}>
          {notice}
        </p>
      )}
      {blocked && (
        <p class="notice">
          The browser blocked sound. <button onClick={unblockAudio}>Enable audio</button>
        </p>
      )}
      <div class="grid" style={{ "--cols": String(Math.ceil(Math.sqrt(Math.max(1, tiles)))) }} data-testid="grid">
        {!setup.viewer && (
          <Tile id={selfId} name={setup.name} self stream={setup.local} audioMuted={muted.audio || !hasAudio} videoMuted={muted.video || !hasVideo} speaking={speaking(selfId)} />
        )}
        {others.map((m) => (
          <Tile
            key={m.id}
            id={m.id}
            name={m.name}
            self={false}
            stream={view?.streams.get(m.id) ?? null}
            audioMuted={m.audioMuted}
            videoMuted={m.videoMuted}
            speaking={speaking(m.id)}
            onAutoplayBlocked={() => setBlocked(true)}
          />
        ))}
        {setup.viewer && others.length === 0 && <div class="empty">Nobody is here yet.</div>}
      </div>
      <div class="controls">
        {!setup.viewer && (
          <>
            <button class={muted.audio ? "off" : ""} onClick={() => toggle("audio")} disabled={!hasAudio} aria-pressed={muted.audio} data-testid="toggle-mic">
              <MicIcon off={muted.audio} /> {muted.audio ? "Unmute" : "Mute"}
            </button>
            <button class={muted.video ? "off" : ""} onClick={() => toggle("video")} disabled={!hasVideo} aria-pressed={muted.video} data-testid="toggle-camera">
              <CamIcon off={muted.video} /> {muted.video ? "Camera on" : "Camera off"}
            </button>
            {hasVideo && devices.video.length > 1 && (
              <select aria-label="Camera" value={choice.video} onChange={(e) => switchDevice("video", (e.target as HTMLSelectElement).value)}>
                {devices.video.map((d, i) => (
                  <option value={d.deviceId} key={d.deviceId}>
                    {d.label || `Camera ${i + 1}`}
                  </option>
                ))}
              </select>
            )}
            {hasAudio && devices.audio.length > 1 && (
              <select aria-label="Microphone" value={choice.audio} onChange={(e) => switchDevice("audio", (e.target as HTMLSelectElement).value)}>
                {devices.audio.map((d, i) => (
                  <option value={d.deviceId} key={d.deviceId}>
                    {d.label || `Microphone ${i + 1}`}
                  </option>
                ))}
              </select>
            )}
          </>
        )}
        <button class="danger" onClick={onLeave} data-testid="leave">
          <LeaveIcon /> Leave
        </button>
      </div>
      <Chat
        chat={chat}
        onOpen={(open) => chatDo({ kind: "open", open })}
        onSend={(text) => session.current?.sendChat(text) === true && (chatDo({ kind: "sent", name: setup.name, text, at: Date.now() }), true)}
      />
    </section>
  );
}
