// RecentMap, the bounded map behind token buckets and peer scores: never over its capacity, never a stale or
// deleted value, and every key used among the last capacity/2 distinct keys still held.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RecentMap } from '../../../src/core/scoring/recent-map.js';
import { TokenBuckets } from '../../../src/core/scoring/token-bucket.js';

type Op = { kind: 'set'; key: number; value: number } | { kind: 'get' | 'delete'; key: number };

describe('RecentMap', () => {
  it('holds to its capacity, its latest values and its recently used keys over any sequence of uses', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.nat(60), value: fc.nat() }),
      },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('get' as const), key: fc.nat(60) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat(60) }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.array(op, { maxLength: 400 }), (capacity, ops) => {
        const map = new RecentMap<number>(capacity);
        const latest = new Map<string, number>();
        // Keys in order of last use, most recent last; a get that finds nothing is no use.
        let recency: string[] = [];
        const used = (key: string) => {
          recency = recency.filter((k) => k !== key);
          recency.push(key);
        };
        for (const o of ops) {
          const key = `k${o.key}`;
          if (o.kind === 'set') {
            map.set(key, o.value);
            latest.set(key, o.value);
            used(key);
          } else if (o.kind === 'delete') {
            map.delete(key);
            latest.delete(key);
            recency = recency.filter((k) => k !== key);
          } else {
            const got = map.get(key);
            if (got !== undefined) {
              assert.equal(got, latest.get(key), 'a held value is the latest one set');
              used(key);
            }
          }
          assert.ok(map.size <= Math.max(capacity, 2), `size ${map.size} within capacity ${capacity}`);
          for (const k of recency.slice(-Math.max(1, Math.floor(capacity / 2)))) {
            assert.equal(map.peek(k), latest.get(k), `recently used ${k} is held with its latest value`);
          }
          for (const [k] of latest) {
            const held = map.peek(k);
            if (held !== undefined) assert.equal(held, latest.get(k));
          }
          for (let k = 0; k <= 60; k++) {
            if (!latest.has(`k${k}`)) assert.equal(map.peek(`k${k}`), undefined, 'a deleted key is gone');
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a busy bucket through a flood of new keys past the cap', () => {
    const buckets = new TokenBuckets({ perMinute: 1, burst: 3 }, 100);
    for (let i = 0; i < 3; i++) assert.equal(buckets.take('busy', 0), true);
    for (let i = 0; i < 10_000; i++) {
      buckets.take(`sybil-${i}`, 0);
      // Used as often as every 40th new key, the spent bucket is never forgotten and never refilled early.
      if (i % 40 === 0) assert.equal(buckets.take('busy', 0), false, `busy bucket still spent after ${i}`);
    }
    assert.ok(buckets.size <= 100);
  });
});
