// Connection quality from getStats: packet loss, round-trip time and decoded frames, turned
// into good / fair / poor. Counters are cumulative, so quality is the change between two polls.
export type Grade = "good" | "fair" | "poor" | "unknown";

export interface Counters {
  at: number; // ms
  received: number; // packets
  lost: number; // packets
  frames: number; // frames decoded (video), 0 for audio only
}

export interface Quality {
  grade: Grade;
  loss: number; // 0..1 over the last interval
  rttMs: number | null;
  fps: number | null; // null when no video is expected
}

export const LOSS_FAIR = 0.02;
export const LOSS_POOR = 0.08;
export const RTT_FAIR_MS = 250;
export const RTT_POOR_MS = 600;
export const FPS_POOR = 5;

export function grade(loss: number, rttMs: number | null, fps: number | null): Grade {
  if (loss >= LOSS_POOR || (rttMs !== null && rttMs >= RTT_POOR_MS) || (fps !== null && fps < FPS_POOR)) return "poor";
  if (loss >= LOSS_FAIR || (rttMs !== null && rttMs >= RTT_FAIR_MS)) return "fair";
  return "good";
}

// Quality over the interval from `prev` to `cur`; `video` says frames are expected (a camera
// that is on). Counters that went backwards (a new connection) give "unknown".
export function assess(prev: Counters | undefined, cur: Counters, rttMs: number | null, video: boolean): Quality {
  const dt = prev ? cur.at - prev.at : 0;
  if (!prev || dt <= 0 || cur.received < prev.received || cur.frames < prev.frames) {
    return { grade: "unknown", loss: 0, rttMs, fps: null };
  }
  const got = cur.received - prev.received;
  // The lost count falls when a late or retransmitted packet arrives after all.
  const lost = Math.max(0, cur.lost - prev.lost);
  const loss = got + lost > 0 ? lost / (got + lost) : 0;
  const fps = video ? ((cur.frames - prev.frames) * 1000) / dt : null;
  return { grade: grade(loss, rttMs, fps), loss, rttMs, fps };
}

export function describe(q: Quality): string {
  if (q.grade === "unknown") return "Connection: measuring";
  const parts = [`${(q.loss * 100).toFixed(1)}% loss`];
  if (q.rttMs !== null) parts.push(`${Math.round(q.rttMs)} ms round trip`);
  if (q.fps !== null) parts.push(`${Math.round(q.fps)} frames/s`);
  return `Connection ${q.grade}: ${parts.join(", ")}`;
}
