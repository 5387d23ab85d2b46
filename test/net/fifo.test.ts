// Fifo on its own: first in, first out across compactions, consumed slots released, clear.
// Compaction is internal, so the test also looks at the backing array to see that it really happens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fifo } from '../../src/net/fifo.js';

/** The private backing store, read only to check that consumed slots are released and the array shrinks. */
const inside = <T>(fifo: Fifo<T>) => fifo as unknown as { items: (T | undefined)[]; head: number };

describe('Fifo', () => {
  it('hands items out in the order they came in, and undefined when empty', () => {
    const fifo = new Fifo<number>();
    assert.equal(fifo.shift(), undefined);
    for (let i = 0; i < 5; i++) fifo.push(i);
    assert.equal(fifo.length, 5);
    assert.deepEqual([fifo.shift(), fifo.shift()], [0, 1]);
    fifo.push(5);
    assert.deepEqual([fifo.shift(), fifo.shift(), fifo.shift(), fifo.shift()], [2, 3, 4, 5]);
    assert.equal(fifo.length, 0);
    assert.equal(fifo.shift(), undefined);
  });

  it('releases each consumed slot so the queue does not keep its items alive', () => {
    const fifo = new Fifo<object>();
    fifo.push({ a: 1 });
    fifo.push({ b: 2 });
    fifo.shift();
    assert.equal(inside(fifo).items[0], undefined);
    assert.deepEqual(inside(fifo).items[1], { b: 2 });
  });

  it('compacts once more than 1024 slots are consumed and they are over half the array', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 2_000; i++) fifo.push(i);
    for (let i = 0; i < 1_024; i++) assert.equal(fifo.shift(), i);
    assert.equal(inside(fifo).head, 1_024, 'not yet: 1024 consumed is not more than 1024');
    assert.equal(fifo.shift(), 1_024);
    assert.equal(inside(fifo).head, 0);
    assert.equal(inside(fifo).items.length, 975);
    assert.equal(fifo.length, 975);
    assert.equal(fifo.shift(), 1_025, 'the order survives the compaction');

    // Past 1024 consumed but not yet half of a longer array: no compaction.
    const long = new Fifo<number>();
    for (let i = 0; i < 5_000; i++) long.push(i);
    for (let i = 0; i < 2_000; i++) long.shift();
    assert.equal(inside(long).head, 2_000);
    assert.equal(long.shift(), 2_000);
  });

  it('keeps order over a long run of interleaved pushes and shifts', () => {
    const fifo = new Fifo<number>();
    const model: number[] = [];
    let next = 0;
    let seed = 7;
    for (let step = 0; step < 20_000; step++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      if (seed % 5 < 3) {
        fifo.push(next);
        model.push(next++);
      } else {
        assert.equal(fifo.shift(), model.shift());
      }
      assert.equal(fifo.length, model.length);
    }
    while (model.length > 0) assert.equal(fifo.shift(), model.shift());
    assert.ok(inside(fifo).items.length < 20_000, 'compaction kept the array from growing with every push');
  });

  it('clears everything', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 10; i++) fifo.push(i);
    fifo.shift();
    fifo.clear();
    assert.equal(fifo.length, 0);
    assert.equal(fifo.shift(), undefined);
    fifo.push(42);
    assert.equal(fifo.shift(), 42);
  });
});
