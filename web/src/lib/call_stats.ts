// What one getStats() says about each tile and about our own connection. Pure over the
// report objects, so it is tested without a browser.
import type { Counters } from "./quality";

export interface StatsLike {
  type: string;
  kind?: string;
  trackIdentifier?: string;
  packetsReceived?: number;
  packetsLost?: number;
  framesDecoded?: number;
  nominated?: boolean;
  currentRoundTripTime?: number;
  fractionLost?: number;
}

export interface StatsSummary {
  tiles: Map<string, Counters & { video: boolean }>; // by tile key
  rttMs: number | null; // the nominated candidate pair's round trip
  sendLoss: number; // 0..1, the worst loss the server reports for what we send
}

// `tileOf` maps a received track's id to the tile showing it; tracks on no tile are skipped.
export function summarize(reports: Iterable<StatsLike>, tileOf: ReadonlyMap<string, string>, now: number): StatsSummary {
  const tiles = new Map<string, Counters & { video: boolean }>();
  let rttMs: number | null = null;
  let sendLoss = 0;
  for (const r of reports) {
    if (r.type === "candidate-pair" && r.nominated && typeof r.currentRoundTripTime === "number") rttMs = r.currentRoundTripTime * 1000;
    if (r.type === "remote-inbound-rtp" && typeof r.fractionLost === "number") sendLoss = Math.max(sendLoss, r.fractionLost);
    if (r.type !== "inbound-rtp" || !r.trackIdentifier) continue;
    const key = tileOf.get(r.trackIdentifier);
    if (!key) continue;
    const c = tiles.get(key) ?? { at: now, received: 0, lost: 0, frames: 0, video: false };
    c.received += r.packetsReceived ?? 0;
    c.lost += Math.max(0, r.packetsLost ?? 0);
    c.frames += r.framesDecoded ?? 0;
    c.video ||= r.kind === "video";
    tiles.set(key, c);
  }
  return { tiles, rttMs, sendLoss };
}
