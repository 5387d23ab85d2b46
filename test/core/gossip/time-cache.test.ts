// TimeCache on its own: entries expire a fixed time after insertion, refresh on set, and respect the capacity.
// Time is a number the test passes in, as the engine passes its clock's reading.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TimeCache } from '../../../src/core/gossip/time-cache.js';

/** The definition TimeCache must keep: a Map in insertion order (a refresh moves the key last), evicted from the front. */
class ReferenceCache<V> {
  readonly items = new Map<string, { value: V; expires: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
  ) {}
  get(key: string, now: number): V | undefined {
    const entry = this.items.get(key);
    return entry === undefined || entry.expires <= now ? undefined : entry.value;
  }
  set(key: string, value: V, now: number): void {
    this.items.delete(key);
    this.items.set(key, { value, expires: now + this.ttlMs });
    if (this.items.size > this.capacity) this.prune(now);
    while (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value!);
  }
  prune(now: number): void {
    for (const [key, entry] of this.items) {
      if (entry.expires > now) break;
      this.items.delete(key);
    }
  }
  entries(now: number): Array<[string, V]> {
    return [...this.items]
      .filter(([, entry]) => entry.expires > now)
      .map(([key, entry]) => [key, entry.value]);
  }
}

type Op =
  | { kind: 'set'; key: number; advance: number }
  | { kind: 'delete'; key: number }
  | { kind: 'prune'; advance: number };

describe('TimeCache', () => {
  it('holds an entry until exactly its time to live has passed', () => {
    const cache = new TimeCache<string>(100, 10);
    cache.set('a', 'first', 1_000);
    assert.equal(cache.get('a', 1_000), 'first');
    assert.equal(cache.get('a', 1_099), 'first');
    assert.equal(cache.has('a', 1_099), true);
    assert.equal(cache.get('a', 1_100), undefined, 'expired at insertion + ttl');
    assert.equal(cache.has('a', 1_100), false);
    assert.equal(cache.get('missing', 0), undefined);
    assert.equal(cache.size, 1, 'an expired entry stays until pruned');
  });

  it('refreshes an entry set again: new value, new expiry, youngest in eviction order', () => {
    const cache = new TimeCache<number>(100, 2);
    cache.set('a', 1, 0);
    cache.set('b', 2, 10);
    cache.set('a', 3, 50);
    assert.equal(cache.get('a', 120), 3);
    assert.equal(cache.get('b', 120), undefined);
    cache.set('c', 4, 60);
    assert.equal(cache.get('b', 60), undefined, 'b, now the oldest, made room');
    assert.equal(cache.get('a', 60), 3);
    assert.equal(cache.get('c', 60), 4);
  });

  it('prunes expired entries in insertion order and stops at the first live one', () => {
    const cache = new TimeCache<number>(100, 10);
    for (let i = 0; i < 5; i++) cache.set(`k${i}`, i, i * 10);
    cache.prune(125);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('k3', 125), 3);
    assert.equal(cache.get('k4', 125), 4);
    cache.prune(0);
    assert.equal(cache.size, 2);
  });

  it('never holds more than its capacity: expired entries go first, then the oldest live ones', () => {
    const cache = new TimeCache<number>(100, 3);
    cache.set('old', 0, 0);
    cache.set('b', 1, 50);
    cache.set('c', 2, 60);
    cache.set('d', 3, 120);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('old', 120), undefined);
    assert.deepEqual(
      ['b', 'c', 'd'].map((key) => cache.get(key, 120)),
      [1, 2, 3],
    );
    cache.set('e', 4, 121);
    cache.set('f', 5, 122);
    assert.equal(cache.size, 3);
    assert.deepEqual(
      ['b', 'c', 'd', 'e', 'f'].map((key) => cache.has(key, 122)),
      [false, false, true, true, true],
    );
    for (let i = 0; i < 1_000; i++) cache.set(`n${i}`, i, 200);
    assert.equal(cache.size, 3);
  });

  it('deletes on request', () => {
    const cache = new TimeCache<number>(100, 3);
    cache.set('a', 1, 0);
    cache.delete('a');
    cache.delete('never-there');
    assert.equal(cache.get('a', 0), undefined);
    assert.equal(cache.size, 0);
  });

  it('behaves as the insertion-ordered reference under any sequence of sets, deletes and prunes', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.nat(40), advance: fc.nat(30) }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat(40) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('prune' as const), advance: fc.nat(60) }) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(op, { minLength: 2_000, maxLength: 4_000 }),
        (capacity, ops) => {
          const cache = new TimeCache<number>(100, capacity);
          const reference = new ReferenceCache<number>(100, capacity);
          let now = 0;
          ops.forEach((step, index) => {
            if (step.kind === 'set') {
              now += step.advance;
              cache.set(`k${step.key}`, index, now);
              reference.set(`k${step.key}`, index, now);
            } else if (step.kind === 'delete') {
              cache.delete(`k${step.key}`);
              reference.items.delete(`k${step.key}`);
            } else {
              now += step.advance;
              cache.prune(now);
              reference.prune(now);
            }
            assert.equal(cache.size, reference.items.size);
          });
          assert.deepEqual([...cache.entries(now)], reference.entries(now));
          for (let key = 0; key <= 40; key++)
            assert.equal(cache.get(`k${key}`, now), reference.get(`k${key}`, now));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps its order through many refreshes of a few keys in a large cache (stale places compacted away)', () => {
    const cache = new TimeCache<number>(1_000_000, 10_000);
    const reference = new ReferenceCache<number>(1_000_000, 10_000);
    for (let i = 0; i < 20_000; i++) {
      cache.set(`k${i % 5}`, i, i);
      reference.set(`k${i % 5}`, i, i);
      if (i % 7_000 === 0) {
        cache.delete('k3');
        reference.items.delete('k3');
      }
    }
    assert.deepEqual([...cache.entries(20_000)], reference.entries(20_000));
    // Memory, which behaviour cannot show: the order queue holds O(size) places, not one per set ever made.
    const queue = (cache as unknown as { keys: string[] }).keys;
    assert.ok(queue.length <= 2 * 5 + 1_024 + 1, `${queue.length} places held for 5 keys`);
    cache.prune(1_000_000 + 19_997);
    reference.prune(1_000_000 + 19_997);
    assert.deepEqual([...cache.entries(0)], reference.entries(0));
    assert.equal(cache.size, 2);
  });
});
