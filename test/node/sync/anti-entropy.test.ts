import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { LedgerEntry } from '../../../src/core/messages/schemas.js';
import type { Verified } from '../../../src/core/verified.js';
import { internals } from '../../../src/node/internals.js';
import { EntryMaker } from '../../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../../support/fixtures.js';
import { TestMesh, waitFor } from '../../support/mesh.js';

describe('periodic anti-entropy', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('entries one node holds and its connected peer lacks reach the peer within a period', async () => {
    mesh = new TestMesh(testNetwork([10, 10, 10], { epochMs: 1_000 }));
    const sync = { blockGraceMs: 0, settleMs: 20, antiEntropyMs: 300 };
    const a = await mesh.start(testKeyPair(0), { sync });
    const b = await mesh.start(testKeyPair(1), { sync });
    await mesh.link(b, a);
    // Past the one extra round a connection brings (an epoch later): only the periodic rounds remain.
    const linked = Date.now();
    await waitFor(() => Date.now() > linked + 1_300, 3_000, 'the connection rounds to pass');
    // Stored on each side behind gossip's back (as a missed message would leave them): each pulls the other's.
    const maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now() - 30_000) });
    const onA = maker.commit({ agentId: 'only-a', principalId: 'p' });
    const onB = maker.revocation({ agentId: 'only-b', principalId: 'p' });
    internals(a).store.transaction(() => internals(a).store.append(onA as Verified<LedgerEntry>));
    internals(b).store.transaction(() => internals(b).store.append(onB as Verified<LedgerEntry>));
    assert.notEqual(a.stateHash(), b.stateHash());
    await waitFor(() => a.stateHash() === b.stateHash(), 5_000, 'repaired both ways');
    assert.equal(b.record('only-a', 'p')?.trustScore, 500);
    assert.equal(a.record('only-b', 'p')?.revoked, true);
  });
});
