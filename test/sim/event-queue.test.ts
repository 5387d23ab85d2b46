// The simulator's agenda: earliest first, and events at the same instant in the order they were scheduled.
// That tie rule is what makes two runs of one seed identical, so it is checked on many interleavings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/core/memory/seeded-entropy.js';
import { EventQueue } from '../../src/sim/event-queue.js';

describe('EventQueue', () => {
  it('pops by time, ties in insertion order', () => {
    const queue = new EventQueue<string>();
    queue.push(5, 'c');
    queue.push(1, 'a');
    queue.push(5, 'd');
    queue.push(1, 'b');
    queue.push(3, 'x');
    const order: string[] = [];
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) order.push(item.event);
    assert.deepEqual(order, ['a', 'b', 'x', 'c', 'd']);
    assert.equal(queue.size, 0);
  });

  it('matches a stable sort on 5,000 random pushes with many ties', () => {
    const random = new SeededRandom(7);
    const queue = new EventQueue<number>();
    const pushed: { at: number; n: number }[] = [];
    for (let n = 0; n < 5000; n++) {
      const at = Math.floor(random.next() * 50);
      pushed.push({ at, n });
      queue.push(at, n);
      // Interleave pops so the heap is exercised while it grows.
      if (n % 7 === 0) {
        const expected = [...pushed].sort((a, b) => a.at - b.at || a.n - b.n)[0]!;
        assert.equal(queue.pop()!.event, expected.n);
        pushed.splice(pushed.indexOf(expected), 1);
      }
    }
    const expected = pushed.sort((a, b) => a.at - b.at || a.n - b.n).map(({ n }) => n);
    const popped: number[] = [];
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) popped.push(item.event);
    assert.deepEqual(popped, expected);
  });
});
