// TimeCache on its own: entries expire a fixed time after insertion, refresh on set, and respect the capacity.
// Time is a number the test passes in, as the engine passes its clock's reading.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeCache } from '../../../src/core/gossip/time-cache.js';

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
});
