// A bounded map whose entries expire a fixed time after insertion (seen ids, routes back, pending requests).
// Time is passed in, never read, so the same cache runs on the wall clock and in the simulator's virtual time.

export class TimeCache<V> {
  private readonly items = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
  ) {}

  get(key: string, now: number): V | undefined {
    const entry = this.items.get(key);
    if (entry === undefined || entry.expires <= now) return undefined;
    return entry.value;
  }

  has(key: string, now: number): boolean {
    return this.get(key, now) !== undefined;
  }

  /** Inserts or refreshes; the oldest entries make room when the cache is full. */
  set(key: string, value: V, now: number): void {
    this.items.delete(key);
    this.items.set(key, { value, expires: now + this.ttlMs });
    if (this.items.size > this.capacity) this.prune(now);
    while (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value!);
  }

  delete(key: string): void {
    this.items.delete(key);
  }

  /** Drops expired entries; insertion order is expiry order because the TTL is fixed. */
  prune(now: number): void {
    for (const [key, entry] of this.items) {
      if (entry.expires > now) break;
      this.items.delete(key);
    }
  }

  /** Live entries, oldest first. */
  *entries(now: number): IterableIterator<[string, V]> {
    for (const [key, entry] of this.items) if (entry.expires > now) yield [key, entry.value];
  }

  get size(): number {
    return this.items.size;
  }
}
