// Per-caller token buckets for the bridge API: `perMinute` requests a minute, in bursts of up to a minute's worth.
// A plain Map with a hard size cap, so a flood of addresses costs bounded memory and O(1) per request.

/** Buckets kept at most; past it the least recently created are dropped (they are the likeliest to be full). */
export const MAX_BUCKETS = 50_000;

interface Bucket {
  tokens: number;
  at: number;
}

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number };

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  get limit(): number {
    return this.perMinute;
  }

  /** Callers with a bucket now. */
  get tracked(): number {
    return this.buckets.size;
  }

  take(key: string): RateDecision {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_BUCKETS) this.evict();
      bucket = { tokens: this.perMinute, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.perMs) };
  }

  private evict(): void {
    const drop = Math.ceil(MAX_BUCKETS / 10);
    let dropped = 0;
    for (const key of this.buckets.keys()) {
      if (dropped++ >= drop) break;
      this.buckets.delete(key);
    }
  }
}
