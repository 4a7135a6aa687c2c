// Shape of <prefix>/status.json (src/signal/status_json.cpp writes it) and formatting helpers.

export interface TrackStats {
  track_id: string;
  kind: "audio" | "video" | "unspecified";
  ssrc: number;
  packets: number;
  bytes: number;
  packets_lost: number;
  nacks: number;
  plis: number;
  bitrate_bps: number;
}

export interface ClientStatus {
  participant_id: string;
  display_name: string;
  room: string;
  address: string;
  ice_state: string;
  dtls_state: string;
  published: TrackStats[];
  forwarded: TrackStats[];
}

export interface TrunkStatus {
  url: string;
  state: string;
  last_error: string;
  peer_site_id: string;
}

export interface Status {
  site_id: string;
  version: string;
  uptime_ms: number;
  rss_bytes: number;
  clients: ClientStatus[];
  trunks: TrunkStatus[];
  counters: Record<string, number>;
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function formatBitrate(bps: number): string {
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)} Mbit/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(0)} kbit/s`;
  return `${bps} bit/s`;
}

export function formatDuration(ms: number): string {
  let s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const hms = `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return d > 0 ? `${d}d ${hms}` : hms;
}

// Loss as a percentage of packets expected (received + lost).
export function lossPercent(t: Pick<TrackStats, "packets" | "packets_lost">): string {
  const expected = t.packets + t.packets_lost;
  return expected === 0 ? "0%" : `${((100 * t.packets_lost) / expected).toFixed(1)}%`;
}

// The server may leave bitrate_bps at 0 (it reports cumulative bytes): derive it from the
// byte counts of the previous poll, per client, direction and track.
export function withBitrates(prev: { status: Status; at: number } | null, next: Status, at: number): Status {
  const seconds = prev ? (at - prev.at) / 1000 : 0;
  if (!prev || seconds <= 0) return next;
  const key = (c: ClientStatus, dir: string, t: TrackStats) => `${c.participant_id}|${dir}|${t.track_id}|${t.ssrc}`;
  const before = new Map<string, number>();
  for (const c of prev.status.clients) {
    for (const t of c.published) before.set(key(c, "in", t), t.bytes);
    for (const t of c.forwarded) before.set(key(c, "out", t), t.bytes);
  }
  const fill = (c: ClientStatus, dir: string, t: TrackStats): TrackStats => {
    const old = before.get(key(c, dir, t));
    if (t.bitrate_bps || old === undefined || t.bytes < old) return t;
    return { ...t, bitrate_bps: Math.round(((t.bytes - old) * 8) / seconds) };
  };
  return {
    ...next,
    clients: next.clients.map((c) => ({
      ...c,
      published: c.published.map((t) => fill(c, "in", t)),
      forwarded: c.forwarded.map((t) => fill(c, "out", t)),
    })),
  };
}
