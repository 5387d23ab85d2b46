// The lookup-hops bench at unit size (N = 200): its converged tables hold what Kademlia's buckets should, and
// every lookup over them finds exactly the brute-force k closest. Correctness only, no timing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConvergedTables, measureLookupHops, seededIds } from '../../bench/lookup-hops.js';
import { bucketIndex } from '../../src/core/routing/ids.js';

describe('lookup-hops bench', () => {
  it('fills each bucket with k members of its range, or all of them when it holds fewer', () => {
    const ids = seededIds(200, 7);
    const tables = new ConvergedTables(ids, 20, 7);
    for (const id of ids) {
      const inRange = new Map<number, number>();
      for (const other of ids) {
        if (other === id) continue;
        const index = bucketIndex(id, other);
        inRange.set(index, (inRange.get(index) ?? 0) + 1);
      }
      const expected = [...inRange]
        .map(([index, count]) => ({ index, size: Math.min(20, count) }))
        .sort((a, b) => a.index - b.index);
      assert.deepEqual(tables.get(id).fill(), expected);
    }
  });

  it('finds the brute-force k closest in every lookup, within log2(N) hops', () => {
    const result = measureLookupHops({ nodes: 200, lookups: 100, seed: 16 });
    assert.equal(result.exact, 100);
    assert.equal(result.meanOverlap, 1);
    assert.ok(result.maxHops >= 1, 'a lookup asks at least the start node’s own contacts');
    assert.ok(result.maxHops <= Math.ceil(Math.log2(200)), `max hops ${result.maxHops}`);
  });

  it('is deterministic for a seed', () => {
    const a = measureLookupHops({ nodes: 200, lookups: 20, seed: 3 });
    const b = measureLookupHops({ nodes: 200, lookups: 20, seed: 3 });
    assert.deepEqual(
      { hops: a.meanHops, queries: a.meanQueries, exact: a.exact },
      { hops: b.meanHops, queries: b.meanQueries, exact: b.exact },
    );
  });
});
