// Reconnect delays: exponential from baseMs up to maxMs, with +-jitter so that many
// clients reconnecting after a server restart do not arrive in lockstep.

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  factor?: number;
  jitter?: number; // 0.2 => each delay is scaled by a random factor in [0.8, 1.2]
}

export class Backoff {
  attempt = 0;
  private readonly base: number;
  private readonly max: number;
  private readonly factor: number;
  private readonly jitter: number;

  constructor(opts: BackoffOptions = {}, private readonly random: () => number = Math.random) {
    this.base = opts.baseMs ?? 500;
    this.max = opts.maxMs ?? 10_000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 0.2;
  }

  // Delay before the next attempt; each call counts one attempt.
  next(): number {
    const raw = Math.min(this.max, this.base * Math.pow(this.factor, this.attempt));
    this.attempt++;
    const scaled = raw * (1 - this.jitter + 2 * this.jitter * this.random());
    return Math.round(Math.min(this.max, Math.max(0, scaled)));
  }

  reset(): void {
    this.attempt = 0;
  }
}
