// Token buckets keyed by an id (a node, a connection): `rate` tokens per minute up to `burst`, refilled lazily
// from the time passed in. Pure and bounded: idle full buckets are forgotten, the oldest first past a cap.

export interface BucketLimits {
  /** Tokens added per minute. */
  readonly perMinute: number;
  /** Most tokens a bucket holds (the burst allowed after a quiet spell). */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets held at most; past it the least recently used are dropped (a dropped bucket starts full again). */
const DEFAULT_CAPACITY = 100_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: BucketLimits,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** Takes `cost` tokens for `key` at `now` (ms); false, taking nothing, when the bucket holds fewer. */
  take(key: string, now: number, cost = 1): boolean {
    const bucket = this.refill(key, now);
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.capacity) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }

  /** Tokens `key` holds at `now`, without taking any. */
  available(key: string, now: number): number {
    return this.refill(key, now).tokens;
  }

  private refill(key: string, now: number): Bucket {
    const { perMinute, burst } = this.limits;
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(burst, bucket.tokens + (elapsed * perMinute) / 60_000);
    bucket.at = now;
    return bucket;
  }

  get size(): number {
    return this.buckets.size;
  }
}
