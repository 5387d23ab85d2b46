// A bounded map whose entries expire a fixed time after insertion (seen ids, routes back, pending requests).
// Time is passed in, never read, so the same cache runs on the wall clock and in the simulator's virtual time.

interface Slot<V> {
  readonly value: V;
  readonly expires: number;
  /** Which place in the insertion order is this entry's: a key set again leaves its earlier place stale. */
  readonly stamp: number;
}

/** Below this many consumed places the order queue is never rewritten. */
const COMPACT_AFTER = 1_024;

export class TimeCache<V> {
  private readonly items = new Map<string, Slot<V>>();
  /**
   * Insertion order as a queue of (key, stamp), oldest at `head`. Evicting by the Map's own order would be
   * `keys().next()`, which in V8 walks every deleted slot at the front of the table: at capacity each insertion
   * then cost time in proportion to the capacity (~28 µs at 20,000 entries, ~96 µs at 100,000).
   */
  private keys: string[] = [];
  private stamps: number[] = [];
  private head = 0;
  private nextStamp = 0;

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
    const stamp = this.nextStamp++;
    this.items.set(key, { value, expires: now + this.ttlMs, stamp });
    this.keys.push(key);
    this.stamps.push(stamp);
    if (this.items.size > this.capacity) this.prune(now);
    while (this.items.size > this.capacity) this.items.delete(this.takeOldest()!);
    this.compact();
  }

  delete(key: string): void {
    this.items.delete(key);
  }

  /** Drops expired entries; insertion order is expiry order because the TTL is fixed. */
  prune(now: number): void {
    while (this.head < this.keys.length) {
      const slot = this.liveSlotAt(this.head);
      if (slot !== undefined && slot.expires > now) break;
      if (slot !== undefined) this.items.delete(this.keys[this.head]!);
      this.head++;
    }
    this.compact();
  }

  /** Live entries, oldest first. */
  *entries(now: number): IterableIterator<[string, V]> {
    for (let at = this.head; at < this.keys.length; at++) {
      const slot = this.liveSlotAt(at);
      if (slot !== undefined && slot.expires > now) yield [this.keys[at]!, slot.value];
    }
  }

  get size(): number {
    return this.items.size;
  }

  /** The entry whose current place is `at`, if that place is not stale. */
  private liveSlotAt(at: number): Slot<V> | undefined {
    const slot = this.items.get(this.keys[at]!);
    return slot !== undefined && slot.stamp === this.stamps[at] ? slot : undefined;
  }

  /** Consumes places up to and including the oldest live one; its key. */
  private takeOldest(): string | undefined {
    while (this.head < this.keys.length) {
      const at = this.head++;
      if (this.liveSlotAt(at) !== undefined) return this.keys[at];
    }
    return undefined;
  }

  /** Drops consumed places, and stale ones once they outnumber the live: the queue stays O(size). */
  private compact(): void {
    const held = this.keys.length - this.head;
    if (held > 2 * this.items.size + COMPACT_AFTER) {
      const keys: string[] = [];
      const stamps: number[] = [];
      for (let at = this.head; at < this.keys.length; at++) {
        if (this.liveSlotAt(at) === undefined) continue;
        keys.push(this.keys[at]!);
        stamps.push(this.stamps[at]!);
      }
      this.keys = keys;
      this.stamps = stamps;
      this.head = 0;
    } else if (this.head > COMPACT_AFTER && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }
}
