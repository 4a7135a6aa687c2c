// A call: the signalling socket, one RTCPeerConnection, and reconnection. The server is the
// offerer after our first offer; we answer every revision it sends. On any failure the whole
// session is torn down and rejoined with backoff (the local camera/microphone stay open).
import { Backoff } from "./backoff";
import { ROOM_CHANNEL } from "./chat";
import { Error_Code, Role, SessionDescription_Type, type Envelope } from "./proto";
import { emptyRoster, participantForMid, reduceRoster, type RosterAction, type RosterState } from "./roster";
import { simulcastEncodings, withLayers } from "./simulcast";
import { Signaling } from "./signaling";
import { summarize, type StatsLike } from "./call_stats";
import { assess, grade, type Counters, type Quality } from "./quality";
import { screenKey, tileKeyFor } from "./screen";
import { placeTrack, removeTrack, tileOf } from "./tiles";

export type ConnState = "connecting" | "negotiating" | "connected" | "reconnecting" | "failed" | "closed";

export interface SessionView {
  state: ConnState;
  detail: string;
  roster: RosterState;
  streams: ReadonlyMap<string, MediaStream>; // remote media by tile key (participant id, or its screen's key)
  quality: ReadonlyMap<string, Quality>; // by tile key; our own connection under our participant id
  screen: MediaStream | null; // our own screen share, while it lasts
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
const STATS_POLL_MS = 2_000;

// For end-to-end tests (tests/browser): the live connection, to read its getStats(), and the
// offers this page sent and received (a device switch must not renegotiate).
interface Probe {
  pc: RTCPeerConnection | null;
  offersSent: number;
  offersReceived: number;
}
const probe = (): Probe => ((window as unknown as { __umbrella?: Probe }).__umbrella ??= { pc: null, offersSent: 0, offersReceived: 0 });

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
  private revision = 0; // the highest description revision either side used
  private screenTx: RTCRtpTransceiver | null = null;
  private cameraTx: RTCRtpTransceiver | null = null;  // the camera (simulcast.ts)
  private sentViews: string | null = null;  // the last TileViews sent on this connection
  private needOffer = false; // our m-lines changed (a screen share): offer once stable
  private counters = new Map<string, Counters>();
  private view: SessionView = { state: "connecting", detail: "", roster: emptyRoster, streams: new Map(), quality: new Map(), screen: null, serverError: null };

  constructor(private readonly opts: SessionOptions) {}

  start(): void {
    window.addEventListener("online", this.onOnline);
    this.connect();
  }

  leave(): void {
    if (this.stopped) return;
    this.sig?.send({ case: "leave", value: {} });
    this.stopped = true;
    this.view.screen?.getTracks().forEach((t) => t.stop());
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

  // A screen share: one more sendonly m-line (content hint "detail" keeps text sharp), which
  // the others see as this participant's second video track (screen.ts). Stopping it, here or
  // with the browser's own button (the track ends), makes that m-line inactive.
  shareScreen(stream: MediaStream): void {
    const track = stream.getVideoTracks()[0];
    if (!track || this.opts.viewer) return;
    this.stopScreen();
    track.contentHint = "detail";
    track.addEventListener("ended", () => this.view.screen === stream && this.stopScreen());
    this.update({ screen: stream });
    this.offerSoon();
  }

  stopScreen(): void {
    const s = this.view.screen;
    if (!s) return;
    s.getTracks().forEach((t) => t.stop());
    this.update({ screen: null });
    this.offerSoon();
  }

  private offerSoon(): void {
    this.needOffer = true;
    const gen = this.gen;
    this.chain = this.chain.then(() => (gen === this.gen ? this.offerIfNeeded(gen) : undefined)).catch((err) => {
      if (gen === this.gen) this.fail(`negotiation failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  // Our own re-offer, only from a stable state (the server offers too; see handle()).
  private async offerIfNeeded(gen: number): Promise<void> {
    const pc = this.pc;
    if (!pc || !this.needOffer || pc.signalingState !== "stable") return;
    this.needOffer = false;
    const screen = this.view.screen?.getVideoTracks()[0] ?? null;
    if (screen && this.screenTx) {
      await this.screenTx.sender.replaceTrack(screen);
      this.screenTx.direction = "sendonly";
    } else if (screen) {
      this.screenTx = pc.addTransceiver(screen, { direction: "sendonly", streams: [this.view.screen!] });
    } else if (this.screenTx) {
      await this.screenTx.sender.replaceTrack(null);
      this.screenTx.direction = "inactive";
    } else return;
    await this.sendOffer(pc, gen);
  }

  private async sendOffer(pc: RTCPeerConnection, gen: number): Promise<void> {
    const revision = ++this.revision;
    this.offerRevision = revision;
    await pc.setLocalDescription(await pc.createOffer());
    if (gen !== this.gen) return;
    probe().offersSent++;
    this.sig?.send({ case: "description", value: { type: SessionDescription_Type.OFFER, sdp: pc.localDescription?.sdp ?? "", revision } });
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
          this.fitLayers(true);
          await this.offerIfNeeded(gen);
          return;
        }
        probe().offersReceived++;
        this.revision = Math.max(this.revision, d.revision);
        this.update({ state: this.view.state === "connected" ? "connected" : "negotiating", detail: "" });
        if (pc.signalingState === "have-local-offer") {
          // Both offered at once: the server's wins; ours goes again once this one is answered.
          await pc.setLocalDescription({ type: "rollback" });
          this.needOffer = true;
        }
        await pc.setRemoteDescription({ type: "offer", sdp: d.sdp });
        if (gen !== this.gen) return;
        await pc.setLocalDescription(await pc.createAnswer());
        if (gen !== this.gen) return;
        this.fitLayers(true);
        this.sig?.send({ case: "description", value: { type: SessionDescription_Type.ANSWER, sdp: pc.localDescription?.sdp ?? "", revision: d.revision } });
        await this.offerIfNeeded(gen);
        return;
      }
      case "trackRemoved": {
        const t = this.view.roster.tracks[body.value.trackId];
        this.dispatch(body);
        if (t) this.dropTrack(tileKeyFor(t.participantId, t.trackId, t.kind), t.kind, t.mid);
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
    this.screenTx = null;
    this.cameraTx = null;
    this.sentViews = null;
    probe().pc = pc;
    const local = this.opts.viewer ? null : this.opts.local;
    for (const track of local?.getTracks() ?? []) {
      const init: RTCRtpTransceiverInit = { direction: "sendonly", streams: [local!] };
      if (track.kind === "video") init.sendEncodings = simulcastEncodings(this.view.roster.members.length);
      const tx = pc.addTransceiver(track, init);
      if (track.kind === "video") this.cameraTx = tx;
    }
    // An offer needs at least one m-line (and max-bundle a BUNDLE group): a viewer, or someone
    // without a camera, offers to receive what it does not send. The server's later offers add
    // one m-line per remote track.
    for (const kind of ["audio", "video"] as const)
      if (!local?.getTracks().some((t) => t.kind === kind)) pc.addTransceiver(kind, { direction: "recvonly" });
    // A screen share still on from before a reconnect comes after those two (screen.ts).
    const screen = this.opts.viewer ? null : this.view.screen;
    if (screen) this.screenTx = pc.addTransceiver(screen.getVideoTracks()[0], { direction: "sendonly", streams: [screen] });
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
    this.every(STATS_POLL_MS, () => void this.pollStats(pc, gen));
    this.update({ state: "negotiating", detail: "Setting up media…" });
    this.revision = 0;
    this.needOffer = false;
    this.counters.clear();
    await this.sendOffer(pc, gen);
  }

  private onTrack(ev: RTCTrackEvent): void {
    const mid = ev.transceiver.mid;
    const pid = ev.streams[0]?.id || participantForMid(this.view.roster, mid);
    if (!pid) return;
    const track = ev.track;
    const info = Object.values(this.view.roster.tracks).find((t) => t.mid === mid && t.participantId === pid);
    const key = tileKeyFor(pid, info?.trackId, track.kind);
    // A reused m-line brings the same track object for someone new: it moves tiles (tiles.ts).
    this.setTiles(placeTrack(this.tiles(), key, track));
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
    if (!this.view.streams.has(pid) && !this.view.streams.has(screenKey(pid))) return;
    const streams = new Map(this.view.streams);
    streams.delete(pid);
    streams.delete(screenKey(pid));
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

  // Quality of each tile (loss and frames over the last poll, the connection's round trip) and
  // of our own sending (what the server reports back: remote-inbound-rtp).
  private async pollStats(pc: RTCPeerConnection, gen: number): Promise<void> {
    const stats = await pc.getStats().catch(() => null);
    if (!stats || gen !== this.gen) return;
    const byTrack = new Map<string, string>(); // receiver track id -> tile key
    for (const [key, s] of this.view.streams) for (const t of s.getTracks()) byTrack.set(t.id, key);
    const { tiles: sums, rttMs, sendLoss } = summarize(stats.values() as Iterable<StatsLike>, byTrack, Date.now());
    const quality = new Map<string, Quality>();
    for (const [key, c] of sums) {
      const member = this.view.roster.members.find((m) => m.id === key);
      quality.set(key, assess(this.counters.get(key), c, rttMs, c.video && !member?.videoMuted));
    }
    this.counters = sums;
    const self = this.view.roster.selfId;
    if (self) quality.set(self, { grade: rttMs === null ? "unknown" : grade(sendLoss, rttMs, null), loss: sendLoss, rttMs, fps: null });
    this.update({ quality });
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
      quality: new Map(),
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
    this.fitLayers();
  }

  // The remote video on screen now (TileViews): each shown track's height in device pixels, so
  // the SFU picks a simulcast layer fit for the size; a track not shown is left out (no limit).
  // Tracks off screen are not reported at 0 (which would stop their video): matching tiles to
  // receivers missed rendered tiles of WHIP publishers (test_webrtcbin), so that waits.
  // Sent only when it changes.
  reportViews(shown: Map<MediaStreamTrack, number>): void {
    const pc = this.pc;
    if (!pc || !this.sig) return;
    const views: { trackId: string; height: number }[] = [];
    for (const tx of pc.getTransceivers()) {
      if (!tx.mid || tx.receiver.track.kind !== "video" || tx.currentDirection === "inactive") continue;
      const info = Object.values(this.view.roster.tracks).find((t) => t.mid === tx.mid && t.kind === "video");
      const height = shown.get(tx.receiver.track);
      if (info && height !== undefined) views.push({ trackId: info.trackId, height });
    }
    views.sort((a, b) => (a.trackId < b.trackId ? -1 : a.trackId > b.trackId ? 1 : 0));
    const key = views.map((v) => `${v.trackId}:${v.height}`).join(",");
    if (key === this.sentViews) return;
    this.sentViews = key;
    this.sig.send({ case: "tileViews", value: { views } });
  }

  // The camera's simulcast layers for the room's size now (simulcast.ts). Applying a
  // description turns on every layer it does not mark paused (Chromium), so after each
  // negotiation they are set again whatever the sender reports (force).
  private fitLayers(force = false): void {
    const sender = this.cameraTx?.sender;
    if (!sender) return;
    const params = withLayers(sender.getParameters(), this.view.roster.members.length, force);
    if (params) sender.setParameters(params).catch((e) => console.debug("simulcast layers not changed:", e));
  }

  private update(patch: Partial<SessionView>): void {
    this.view = { ...this.view, ...patch };
    this.opts.onChange(this.view);
  }
}
