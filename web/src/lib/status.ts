// Formatting for the /status page. The shape of <prefix>/status.json is generated from the
// status messages in proto/umbrella.proto (proto/gen_status.py), as the server's writers are.
import type { TrackCounters } from "umbrella-status";

export type { ClientStatus, MediaKind, RecordingState, Status, TrackCounters, TrunkState } from "umbrella-status";

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
export function lossPercent(t: Pick<TrackCounters, "packets" | "packets_lost">): string {
  const expected = t.packets + t.packets_lost;
  return expected === 0 ? "0%" : `${((100 * t.packets_lost) / expected).toFixed(1)}%`;
}
