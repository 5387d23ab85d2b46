// A bounded map that forgets what has not been used lately: two generations of at most capacity/2 keys each,
// the older dropped whole when the newer fills. For state an attacker can multiply: buckets, scores, good signatures.

/**
 * Why generations rather than an exact least-recently-used order: keeping that order in one `Map` means a
 * delete and a re-insert on every use, and evicting with `keys().next()`. V8 leaves a deleted slot behind for
 * each, walks them from the front on `keys().next()` and rehashes the whole table when they fill it; measured on
 * a full 100,000-key bucket map, four busy keys then cost 60–80 µs per use. Here a key used within its own
 * generation is only read, a key from the older generation moves once, and eviction clears a whole map.
 */
export class RecentMap<V> {
  private current = new Map<string, V>();
  private older = new Map<string, V>();
  private readonly generation: number;

  /** Holds at most `capacity` keys (two when it is one); a key among the last capacity/2 distinct keys used is kept. */
  constructor(capacity: number) {
    this.generation = Math.max(1, Math.floor(capacity / 2));
  }

  /** The value for `key`, counting as a use: a key from the older generation moves into the newer. */
  get(key: string): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const kept = this.older.get(key);
    if (kept === undefined) return undefined;
    this.older.delete(key);
    this.insert(key, kept);
    return kept;
  }

  /** Looks without counting as a use. */
  peek(key: string): V | undefined {
    return this.current.get(key) ?? this.older.get(key);
  }

  set(key: string, value: V): void {
    if (this.current.has(key)) {
      this.current.set(key, value);
      return;
    }
    this.older.delete(key);
    this.insert(key, value);
  }

  delete(key: string): void {
    this.current.delete(key);
    this.older.delete(key);
  }

  get size(): number {
    return this.current.size + this.older.size;
  }

  private insert(key: string, value: V): void {
    if (this.current.size >= this.generation) {
      this.older = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}
