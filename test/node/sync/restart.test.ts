import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { internals } from '../../../src/node/internals.js';
import { EntryMaker } from '../../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../../support/mesh.js';
import { blocksClosed } from '../../support/sync.js';

describe('sync after a restart', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('a node down during updates, a revocation, a blacklisting and a rotation catches up before it is ready', async () => {
    // 0, 1, 2 (restarted) and 3 (rotates its key) run for real; 4 is a member that equivocates by hand.
    mesh = new TestMesh(testNetwork([10, 10, 10, 10, 10], { epochMs: 1_000 }));
    const { network } = mesh;
    const syncOptions = { blockGraceMs: 0, settleMs: 50, aloneGraceMs: 10_000 };
    const [a, b, d] = [
      await mesh.start(testKeyPair(0), { sync: syncOptions }),
      await mesh.start(testKeyPair(1), { sync: syncOptions }),
      await mesh.start(testKeyPair(3), { sync: syncOptions }),
    ];
    const cDir = mesh.tempDir();
    const c = await mesh.start(testKeyPair(2), { dataDir: cDir, sync: syncOptions });
    for (const [from, to] of [
      [b, a],
      [c, a],
      [d, a],
      [c, b],
      [d, b],
    ] as const)
      await mesh.link(from, to);
    await waitFor(() => [a, b, c, d].every((node) => node.syncStatus().ready), 5_000, 'all ready');
    const first = a.submit({ agentId: 'agent-0', principalId: 'p', trustScore: 500, event: 'REGISTRATION' });
    assert.equal((await a.whenSettled(first.id)).state, 'committed');
    await waitFor(() => c.stateHash() === a.stateHash(), 5_000, 'c has the first commit');
    await c.stop();

    for (let i = 1; i <= 3; i++) {
      const update = a.submit({
        agentId: `agent-${i}`,
        principalId: 'p',
        trustScore: 600,
        event: 'REGISTRATION',
      });
      assert.equal((await a.whenSettled(update.id)).state, 'committed');
    }
    b.revoke({ agentId: 'agent-1', principalId: 'p', reason: 'key leaked' });
    const maker = new EntryMaker({ network, clock: new ManualClock(Date.now()) });
    const equivocated = maker.commit(
      { agentId: 'agent-9', principalId: 'p' },
      { origin: 4, voters: [0, 1, 3], commitId: 'c-a' },
    );
    const offender = maker.signer(4).nodeId;
    const raw = await RawPeer.connect(a.endpoint, testKeyPair(4), network.networkId, mesh);
    await raw.handshake();
    await waitFor(() => a.isConnectedTo(offender), 2_000, 'equivocator connected');
    raw.sendJson(equivocated);
    raw.sendJson(maker.recommit(equivocated, { commitId: 'c-b', voters: [0, 1, 3] }));
    await waitFor(() => d.isBlacklisted(offender), 5_000, 'blacklisted');
    const rotation = d.rotateKey(testKeyPair(9));
    await waitFor(() => a.isConnectedTo(rotation.newNodeId), 5_000, 'rotated node reconnected');
    const after = d.submit({ agentId: 'agent-4', principalId: 'p', trustScore: 700, event: 'REGISTRATION' });
    assert.equal((await d.whenSettled(after.id)).state, 'committed');
    await waitFor(
      () => a.stateHash() === b.stateHash() && b.stateHash() === d.stateHash(),
      5_000,
      'the running nodes agree',
    );
    await blocksClosed(a, network.epochMs, network.genesisTime);

    const back = await mesh.start(testKeyPair(2), {
      dataDir: cDir,
      peers: [a.endpoint, b.endpoint],
      sync: syncOptions,
    });
    assert.equal(back.syncStatus().state, 'syncing');
    assert.equal(back.syncStatus().ready, false);
    assert.equal(internals(back).engine.catchingUp, true, 'no votes while syncing');
    const seen: string[] = [];
    back.on('sync', (status) => seen.push(status.state));
    await waitFor(() => back.syncStatus().ready, 10_000, 'caught up');
    assert.equal(back.stateHash(), a.stateHash());
    assert.equal(back.record('agent-1', 'p')?.revoked, true);
    assert.equal(back.isBlacklisted(offender), true);
    assert.equal(internals(back).engine.registry.isMember(rotation.newNodeId), true);
    const status = back.syncStatus();
    assert.equal(status.state, 'synced');
    assert.ok(status.entriesApplied >= 6, `applied ${status.entriesApplied}`);
    assert.ok(status.finishedAt !== undefined && status.finishedAt >= status.startedAt);
    assert.ok(seen.includes('synced'));
    assert.equal(internals(back).engine.catchingUp, false);
  });
});
