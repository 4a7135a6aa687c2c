// A call: the signalling socket, one RTCPeerConnection, and reconnection. The server is the
// offerer after our first offer; we answer every revision it sends. On any failure the whole
// session is torn down and rejoined with backoff (the local camera/microphone stay open).
import { Backoff } from "./backoff";
import { ROOM_CHANNEL } from "./chat";
import { Error_Code, Role, SessionDescription_Type, type Envelope } from "./proto";
import { emptyRoster, participantForMid, reduceRoster, type RosterAction, type RosterState } from "./roster";
import { Signaling } from "./signaling";
import { placeTrack, removeTrack, tileOf } from "./tiles";

export type ConnState = "connecting" | "negotiating" | "connected" | "reconnecting" | "failed" | "closed";

export interface SessionView {
  state: ConnState;
  detail: string;
  roster: RosterState;
  streams: ReadonlyMap<string, MediaStream>; // remote media by participant id
  levels: ReadonlyMap<string, number>; // audio level 0..1 by participant id (self included)
  serverError: string | null;
}

export interface SessionOptions {
  url: string;
  room: string;
  name: string;
  viewer: boolean;
  token: string; // room access token ("" in open rooms)
  local: MediaStream | null;
  onChange(view: SessionView): void;
  // A text message relayed by the SFU from participant `from` (chat.ts).
  onChat?(from: string, text: string): void;
}

const PING_MS = 10_000;
const PONG_TIMEOUT_MS = 30_000;
const DISCONNECTED_GRACE_MS = 8_000;
const LEVEL_POLL_MS = 250;

export class CallSession {
  private sig: Signaling | null = null;
  private pc: RTCPeerConnection | null = null;
  private room: RTCDataChannel | null = null; // our "room" data channel (chat)
  private gen = 0; // bumps on every teardown; async work from an older generation stops
  private chain: Promise<void> = Promise.resolve();
  private watched = new WeakSet<MediaStreamTrack>(); // received tracks with an "ended" listener
  private backoff = new Backoff({ baseMs: 500, maxMs: 10_000 });
  private timers: ReturnType<typeof setTimeout>[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private disconnectedTimer: ReturnType<typeof setTimeout> | null = null;
  private lastPong = 0;
  private offerRevision = 0;
  private stopped = false;
  private muted = { audio: false, video: false };
  private view: SessionView = { state: "connecting", detail: "", roster: emptyRoster, streams: new Map(), levels: new Map(), serverError: null };

  constructor(private readonly opts: SessionOptions) {}

  start(): void {
    window.addEventListener("online", this.onOnline);
    this.connect();
  }

  leave(): void {
    if (this.stopped) return;
    this.sig?.send({ case: "leave", value: {} });
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.teardown();
    this.update({ state: "closed", detail: "" });
  }

  setMuted(audio: boolean, video: boolean): void {
    this.muted = { audio, video };
    for (const t of this.opts.local?.getAudioTracks() ?? []) t.enabled = !audio;
    for (const t of this.opts.local?.getVideoTracks() ?? []) t.enabled = !video;
    this.sig?.send({ case: "setMute", value: { audioMuted: audio, videoMuted: video } });
    this.dispatch({ case: "localMute", value: { audioMuted: audio, videoMuted: video } });
  }

  // Camera or microphone switch: same transceiver, new track, no renegotiation.
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    const local = this.opts.local;
    if (!local) return;
    const old = track.kind === "audio" ? local.getAudioTracks()[0] : local.getVideoTracks()[0];
    track.enabled = !(track.kind === "audio" ? this.muted.audio : this.muted.video);
    const sender = this.pc?.getSenders().find((s) => s.track === old || (s.track === null && old === undefined));
    if (sender) await sender.replaceTrack(track);
    if (old) {
      local.removeTrack(old);
      old.stop();
    }
    local.addTrack(track);
  }

  private readonly onOnline = () => {
    if (this.retryTimer && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.connect();
    }
  };

  private connect(): void {
    this.retryTimer = null;
    const gen = ++this.gen;
    this.update({ state: this.backoff.attempt === 0 ? "connecting" : "reconnecting", detail: "Connecting to the server…" });
    this.sig = new Signaling(this.opts.url, {
      open: () => {
        this.lastPong = Date.now();
        this.sig?.send({
          case: "join",
          value: { room: this.opts.room, displayName: this.opts.name, role: this.opts.viewer ? Role.VIEWER : Role.PARTICIPANT, token: this.opts.token },
        });
        this.every(PING_MS, () => {
          if (Date.now() - this.lastPong > PONG_TIMEOUT_MS) this.fail("the server stopped answering");
          else this.sig?.send({ case: "ping", value: { nonce: BigInt(Date.now()) } });
        });
      },
      message: (env) => {
        // One message at a time: each may await SDP work that the next one depends on.
        this.chain = this.chain.then(() => (gen === this.gen ? this.handle(env, gen) : undefined)).catch((err) => {
          if (gen === this.gen) this.fail(`negotiation failed: ${err instanceof Error ? err.message : String(err)}`);
        });
      },
      close: (reason) => this.fail(reason),
    });
  }

  private async handle(env: Envelope, gen: number): Promise<void> {
    const body = env.body;
    switch (body.case) {
      case "joined":
        // The backoff resets once media connects, not here: a failure after every join (bad
        // SDP, say) must not retry at the base delay forever.
        this.dispatch(body);
        if (this.muted.audio || this.muted.video) this.setMuted(this.muted.audio, this.muted.video);
        await this.startMedia(gen);
        return;
      case "description": {
        const d = body.value;
        const pc = this.pc;
        if (!pc) return;
        if (d.type === SessionDescription_Type.ANSWER) {
          if (d.revision !== this.offerRevision || pc.signalingState !== "have-local-offer") return; // stale
          await pc.setRemoteDescription({ type: "answer", sdp: d.sdp });
          return;
        }
        this.update({ state: this.view.state === "connected" ? "connected" : "negotiating", detail: "" });
        await pc.setRemoteDescription({ type: "offer", sdp: d.sdp });
        if (gen !== this.gen) return;
        await pc.setLocalDescription(await pc.createAnswer());
        if (gen !== this.gen) return;
        this.sig?.send({ case: "description", value: { type: SessionDescription_Type.ANSWER, sdp: pc.localDescription?.sdp ?? "", revision: d.revision } });
        return;
      }
      case "trackRemoved": {
        const t = this.view.roster.tracks[body.value.trackId];
        this.dispatch(body);
        if (t) this.dropTrack(t.participantId, t.kind, t.mid);
        return;
      }
      case "participantLeft":
        this.dispatch(body);
        this.dropParticipant(body.value.participantId);
        return;
      case "pong":
        this.lastPong = Date.now();
        return;
      case "error": {
        const e = body.value;
        this.update({ serverError: e.message || Error_Code[e.code] });
        if (this.view.roster.selfId === null && (e.code === Error_Code.UNAUTHORIZED || e.code === Error_Code.ROOM_FULL)) {
          // Retrying cannot help (a refused token stays refused); stay down and say why.
          this.stopped = true;
          this.teardown();
          const why = e.message || Error_Code[e.code];
          this.update({ state: "failed", detail: e.code === Error_Code.UNAUTHORIZED ? `Access refused: ${why}. Ask for a new link.` : why });
        }
        return;
      }
      default:
        this.dispatch(body as RosterAction);
    }
  }

  private async startMedia(gen: number): Promise<void> {
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" });
    this.pc = pc;
    // For end-to-end tests (tests/browser): the live connection, to read its getStats().
    (window as unknown as { __umbrella?: { pc: RTCPeerConnection } }).__umbrella = { pc };
    const local = this.opts.viewer ? null : this.opts.local;
    for (const track of local?.getTracks() ?? []) pc.addTransceiver(track, { direction: "sendonly", streams: [local!] });
    // An offer needs at least one m-line (and max-bundle a BUNDLE group): a viewer, or someone
    // without a camera, offers to receive what it does not send. The server's later offers add
    // one m-line per remote track.
    for (const kind of ["audio", "video"] as const)
      if (!local?.getTracks().some((t) => t.kind === kind)) pc.addTransceiver(kind, { direction: "recvonly" });
    // The room's data channel, in the first offer so its m=application line is negotiated
    // once; the SFU opens one channel toward us per other sender, labelled with their id.
    this.room = pc.createDataChannel(ROOM_CHANNEL);
    pc.ondatachannel = (ev) => {
      const from = ev.channel.label;
      ev.channel.onmessage = (m) => {
        if (gen === this.gen && typeof m.data === "string") this.opts.onChat?.(from, m.data);
      };
    };
    pc.ontrack = (ev) => this.onTrack(ev);
    pc.onconnectionstatechange = () => this.onConnectionState(pc, gen);
    this.every(LEVEL_POLL_MS, () => void this.pollLevels(pc, gen));
    this.update({ state: "negotiating", detail: "Setting up media…" });
    this.offerRevision = 1;
    await pc.setLocalDescription(await pc.createOffer());
    if (gen !== this.gen) return;
    this.sig?.send({ case: "description", value: { type: SessionDescription_Type.OFFER, sdp: pc.localDescription?.sdp ?? "", revision: 1 } });
  }

  private onTrack(ev: RTCTrackEvent): void {
    const pid = ev.streams[0]?.id || participantForMid(this.view.roster, ev.transceiver.mid);
    if (!pid) return;
    const track = ev.track;
    // A reused m-line brings the same track object for someone new: it moves tiles (tiles.ts).
    this.setTiles(placeTrack(this.tiles(), pid, track));
    if (!this.watched.has(track)) {
      // Once per track, however often its m-line is reused: whoever shows it then loses it.
      this.watched.add(track);
      track.addEventListener("ended", () => {
        const owner = tileOf(this.tiles(), track);
        if (owner) this.dropTrack(owner, track.kind, null, track);
      });
    }
  }

  private dropTrack(pid: string, kind: string, mid: string | null, which?: MediaStreamTrack): void {
    const old = this.view.streams.get(pid);
    if (!old) return;
    const transceiverTrack = mid ? this.pc?.getTransceivers().find((t) => t.mid === mid)?.receiver.track : undefined;
    const gone = (t: MediaStreamTrack) => (which ? t === which : transceiverTrack ? t === transceiverTrack : t.kind === kind);
    const dropped = old.getTracks().filter(gone);
    if (!dropped.length) return;
    let tiles = this.tiles();
    for (const t of dropped) tiles = removeTrack(tiles, pid, t);
    this.setTiles(tiles);
  }

  private tiles(): Map<string, MediaStreamTrack[]> {
    return new Map([...this.view.streams].map(([pid, s]) => [pid, s.getTracks()]));
  }

  // A fresh MediaStream per changed tile makes <video> elements pick the change up reliably;
  // unchanged tiles keep theirs.
  private setTiles(tiles: Map<string, MediaStreamTrack[]>): void {
    const streams = new Map<string, MediaStream>();
    for (const [pid, tracks] of tiles) {
      const old = this.view.streams.get(pid)?.getTracks();
      const same = old && old.length === tracks.length && old.every((t, i) => t === tracks[i]);
      streams.set(pid, same ? this.view.streams.get(pid)! : new MediaStream(tracks));
    }
    this.update({ streams });
  }

  private dropParticipant(pid: string): void {
    if (!this.view.streams.has(pid)) return;
    const streams = new Map(this.view.streams);
    streams.delete(pid);
    this.update({ streams });
  }

  private onConnectionState(pc: RTCPeerConnection, gen: number): void {
    if (gen !== this.gen) return;
    const s = pc.connectionState;
    if (this.disconnectedTimer) clearTimeout(this.disconnectedTimer);
    this.disconnectedTimer = null;
    if (s === "connected") {
      this.backoff.reset();
      this.update({ state: "connected", detail: "" });
    }
    else if (s === "failed") this.fail("the media connection failed");
    else if (s === "disconnected") {
      this.update({ state: "reconnecting", detail: "Media connection interrupted…" });
      this.disconnectedTimer = setTimeout(() => gen === this.gen && this.fail("the media connection was lost"), DISCONNECTED_GRACE_MS);
    }
  }

  private async pollLevels(pc: RTCPeerConnection, gen: number): Promise<void> {
    const stats = await pc.getStats().catch(() => null);
    if (!stats || gen !== this.gen) return;
    const levels = new Map<string, number>();
    stats.forEach((r) => {
      if (r.kind !== "audio" || typeof r.audioLevel !== "number") return;
      if (r.type === "media-source" && this.view.roster.selfId) {
        levels.set(this.view.roster.selfId, this.muted.audio ? 0 : r.audioLevel);
      } else if (r.type === "inbound-rtp") {
        const pid = participantForMid(this.view.roster, r.mid ?? null) ?? this.participantForTrackId(r.trackIdentifier);
        if (pid) levels.set(pid, Math.max(levels.get(pid) ?? 0, r.audioLevel));
      }
    });
    this.update({ levels });
  }

  private participantForTrackId(id: string | undefined): string | null {
    if (!id) return null;
    for (const [pid, s] of this.view.streams) if (s.getTrackById(id)) return pid;
    return null;
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.teardown();
    const delay = this.backoff.next();
    this.update({
      state: "reconnecting",
      detail: `Disconnected: ${reason}. Reconnecting in ${(delay / 1000).toFixed(1)} s (attempt ${this.backoff.attempt}).`,
      roster: emptyRoster,
      streams: new Map(),
      levels: new Map(),
    });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  // Sends a chat message to the room; false while the data channel is not open.
  sendChat(text: string): boolean {
    if (this.room?.readyState !== "open") return false;
    this.room.send(text);
    return true;
  }

  private teardown(): void {
    this.gen++;
    this.room = null;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.disconnectedTimer) clearTimeout(this.disconnectedTimer);
    this.disconnectedTimer = null;
    this.sig?.close();
    this.sig = null;
    if (this.pc) {
      this.pc.ontrack = this.pc.onconnectionstatechange = this.pc.ondatachannel = null;
      this.pc.close();
      this.pc = null;
    }
    this.chain = Promise.resolve();
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  private dispatch(action: RosterAction): void {
    this.update({ roster: reduceRoster(this.view.roster, action) });
  }

  private update(patch: Partial<SessionView>): void {
    this.view = { ...this.view, ...patch };
    this.opts.onChange(this.view);
  }
}
