// Token buckets keyed by an id (a node, a connection): `rate` tokens per minute up to `burst`, refilled lazily
// from the time passed in. Pure and bounded: past a cap, buckets not used lately are forgotten (start full).
import { RecentMap } from './recent-map.js';

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

/** Buckets held at most; past it those not used lately are dropped (a dropped bucket starts full again). */
const DEFAULT_CAPACITY = 100_000;

export class TokenBuckets {
  private readonly buckets: RecentMap<Bucket>;

  constructor(
    private readonly limits: BucketLimits,
    capacity = DEFAULT_CAPACITY,
  ) {
    this.buckets = new RecentMap(capacity);
  }

  /** Takes `cost` tokens for `key` at `now` (ms); false, taking nothing, when the bucket holds fewer. */
  take(key: string, now: number, cost = 1): boolean {
    const bucket = this.refill(key, now);
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }

  /** Tokens `key` holds at `now`, without taking any. */
  available(key: string, now: number): number {
    const bucket = this.buckets.peek(key);
    return bucket === undefined ? this.limits.burst : this.refilled(bucket, now).tokens;
  }

  private refill(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.limits.burst, at: now };
      this.buckets.set(key, bucket);
    }
    return this.refilled(bucket, now);
  }

  private refilled(bucket: Bucket, now: number): Bucket {
    const { perMinute, burst } = this.limits;
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(burst, bucket.tokens + (elapsed * perMinute) / 60_000);
    bucket.at = now;
    return bucket;
  }

  get size(): number {
    return this.buckets.size;
  }
}
