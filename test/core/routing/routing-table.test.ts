// The k-bucket table: adding and refreshing, ping-before-evict, the per-subnet limit, refresh deadlines.
// Synthetic ids by bucket and 10.x addresses (loopback only where the exemption itself is tested).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketIndex } from '../../../src/core/routing/ids.js';
import { type Contact, RoutingTable } from '../../../src/core/routing/routing-table.js';

const SELF = '0'.repeat(64);

/** An id in bucket 0 (first bit set) numbered `n`. */
const far = (n: number) => `8${n.toString(16).padStart(63, '0')}`;

function contact(nodeId: string, address: string): Contact {
  return {
    nodeId,
    publicKey: 'k',
    endpoints: [`ws://${address}/mesh`],
    capabilities: [],
    address,
    lastSeen: 0,
  };
}

describe('RoutingTable', () => {
  it('adds reached nodes, refuses itself, and refreshes a known node without duplicating it', () => {
    const table = new RoutingTable(SELF, { exemptLoopback: false });
    assert.deepEqual(table.offer(contact(far(1), '10.0.1.1:1'), 5), { kind: 'added' });
    assert.deepEqual(table.offer(contact(far(1), '10.0.1.1:1'), 9), { kind: 'updated' });
    assert.deepEqual(table.offer(contact(SELF, '10.0.1.1:1'), 9), { kind: 'refused', reason: 'self' });
    assert.equal(table.size, 1);
    assert.equal(table.get(far(1))?.lastSeen, 9);
    assert.deepEqual(table.fill(), [{ index: 0, size: 1 }]);
  });

  it('asks to ping the oldest entry of a full bucket and keeps it when it answers', () => {
    const table = new RoutingTable(SELF, { k: 3, maxPerSubnet: 10 });
    for (let n = 1; n <= 3; n++) table.offer(contact(far(n), `10.0.${n}.1:1`), n);
    const decision = table.offer(contact(far(4), '10.0.4.1:1'), 10);
    assert.equal(decision.kind, 'ping');
    assert.equal(decision.kind === 'ping' && decision.oldest.nodeId, far(1));
    // One ping at a time per bucket: a further newcomer is refused meanwhile.
    assert.deepEqual(table.offer(contact(far(5), '10.0.5.1:1'), 10), { kind: 'refused', reason: 'pending' });
    assert.equal(table.pingResult(far(1), true, 11), null);
    assert.ok(table.has(far(1)) && !table.has(far(4)));
    // The live old entry moved to the tail: next time the second-oldest is pinged.
    const again = table.offer(contact(far(6), '10.0.6.1:1'), 12);
    assert.equal(again.kind === 'ping' && again.oldest.nodeId, far(2));
  });

  it('evicts the oldest entry when its ping fails and takes the newcomer', () => {
    const table = new RoutingTable(SELF, { k: 2, maxPerSubnet: 10 });
    table.offer(contact(far(1), '10.0.1.1:1'), 1);
    table.offer(contact(far(2), '10.0.2.1:1'), 2);
    assert.equal(table.offer(contact(far(3), '10.0.3.1:1'), 3).kind, 'ping');
    assert.equal(table.pingResult(far(1), false, 4)?.nodeId, far(3));
    assert.deepEqual(
      table.entries().map((entry) => entry.nodeId),
      [far(2), far(3)],
    );
    assert.equal(table.pingResult(far(1), false, 5), null, 'a result nobody asked for changes nothing');
  });

  it('holds at most maxPerSubnet entries of one /24 per bucket; loopback is exempt unless switched off', () => {
    const strict = new RoutingTable(SELF, { maxPerSubnet: 2, exemptLoopback: false });
    const outcomes = Array.from(
      { length: 50 },
      (_, n) => strict.offer(contact(far(n), `10.9.9.${n}:1`), n).kind,
    );
    assert.equal(outcomes.filter((kind) => kind === 'added').length, 2);
    assert.equal(strict.size, 2);
    // Another subnet, or another bucket, has its own allowance.
    assert.equal(strict.offer(contact(far(99), '10.9.8.1:1'), 1).kind, 'added');
    assert.equal(strict.offer(contact(`4${'0'.repeat(63)}`, '10.9.9.1:1'), 1).kind, 'added');
    const loopStrict = new RoutingTable(SELF, { maxPerSubnet: 2, exemptLoopback: false });
    const loopExempt = new RoutingTable(SELF, { maxPerSubnet: 2 });
    for (let n = 0; n < 10; n++) {
      loopStrict.offer(contact(far(n), `127.0.0.${n + 2}:1`), n);
      loopExempt.offer(contact(far(n), `127.0.0.${n + 2}:1`), n);
    }
    assert.equal(loopStrict.size, 2);
    assert.equal(loopExempt.size, 10);
  });

  it('returns the closest entries and never evicts on a plain disconnect', () => {
    const table = new RoutingTable(SELF, { maxPerSubnet: 100 });
    const ids = ['f0', '80', '40', '20', '11', '10'].map((head) => head.padEnd(64, '0'));
    for (const [n, nodeId] of ids.entries()) table.offer(contact(nodeId, `10.0.${n}.1:1`), n);
    assert.deepEqual(
      table.closest('1'.padEnd(64, '0'), 2).map((entry) => entry.nodeId),
      ['10'.padEnd(64, '0'), '11'.padEnd(64, '0')],
    );
    table.seen(ids[0]!, 50);
    assert.equal(table.size, 6);
    assert.ok(table.remove(ids[0]!));
    assert.equal(table.size, 5);
  });

  it('makes buckets due for refresh up to one past the deepest, and moves a deadline when refreshed', () => {
    const table = new RoutingTable(SELF, { refreshIntervalMs: 1_000 });
    assert.deepEqual(table.refreshDue(0), [0]);
    table.offer(contact('2'.padEnd(64, '0'), '10.0.0.1:1'), 0);
    assert.equal(bucketIndex(SELF, '2'.padEnd(64, '0')), 2);
    assert.deepEqual(table.refreshDue(0), [0, 1, 2, 3]);
    table.refreshed(1, 0);
    table.refreshed(3, 500);
    assert.deepEqual(table.refreshDue(999), [0, 2]);
    assert.deepEqual(table.refreshDue(1_499), [0, 1, 2]);
    assert.deepEqual(table.refreshDue(1_500), [0, 1, 2, 3]);
  });
});
