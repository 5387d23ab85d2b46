import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { base64urlToHex } from '../../src/core/encoding.js';
import type { ErrorCode } from '../../src/core/errors.js';
import type { Vote } from '../../src/core/messages/schemas.js';
import { generateKeyPair } from '../../src/crypto/sodium.js';
import { internals } from '../../src/node/internals.js';
import { loadKey } from '../../src/node/key-file.js';
import { EntryMaker } from '../support/entries.js';
import { ManualClock, testKeyPair, testNetwork, testSigner } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

describe('key rotation', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('after rotating, a node keeps working under its new id and its old key is refused', async () => {
    mesh = new TestMesh(testNetwork([100, 100, 100, 0]));
    const a = await mesh.start(testKeyPair(0));
    const b = await mesh.start(testKeyPair(1));
    const cDir = mesh.tempDir();
    let c = await mesh.start(testKeyPair(2), { dataDir: cDir });
    await mesh.link(a, b);
    await mesh.link(b, c);
    const oldId = c.nodeId;
    const oldSigner = testSigner(2);

    const next = generateKeyPair();
    const rotation = c.rotateKey(next);
    const newId = rotation.newNodeId;
    assert.equal(c.nodeId, newId);
    await waitFor(
      () => [a, b].every((node) => internals(node).engine.registry.currentId(oldId) === newId),
      5_000,
      'rotation everywhere',
    );
    assert.equal(b.isConnectedTo(newId), true, 'the connection follows the key');
    assert.equal(internals(a).engine.registry.stakeOf(newId), 100, 'stake moved with the key');
    assert.ok(internals(a).engine.registry.validators().includes(newId));
    assert.ok(!internals(a).engine.registry.validators().includes(oldId), 'the old id no longer votes');
    assert.equal(internals(a).engine.registry.totalActiveStake(), 300);

    // Under its new id the node still proposes and votes; its vote carries the moved stake.
    const proposal = await c.whenSettled(
      c.submit({ agentId: 'agent', principalId: 'p', trustScore: 321, event: 'SCORE_UPDATE' }).id,
    );
    assert.equal(proposal.state, 'committed');
    assert.ok(proposal.commit!.votes.some((vote) => base64urlToHex(vote.o, 32) === newId));
    await waitFor(() => a.record('agent', 'p')?.trustScore === 321, 5_000, 'commit at a');

    // The old key is refused: for live messages, critical events and handshakes alike.
    const maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
    const drops: ErrorCode[] = [];
    a.on('dropped', (_peer, _type, _kind, code) => drops.push(code));
    const relay = await RawPeer.connect(a.endpoint, testKeyPair(3), mesh.network.networkId, mesh);
    await relay.handshake();
    await waitFor(() => a.isConnectedTo(testSigner(3).nodeId), 2_000, 'relay established');
    const stale = maker.update({ agentId: 'agent', principalId: 'p' }, { origin: 2, trustScore: 1 });
    relay.sendJson(stale);
    relay.sendJson(maker.revocation({ agentId: 'agent', principalId: 'p' }, { origin: 2 }));
    await waitFor(
      () => relay.received.some((m) => m.type === 'VOTE' && m.updateId === stale.id),
      2_000,
      'a reject vote',
    );
    const vote = relay.received.find((m) => m.type === 'VOTE' && m.updateId === stale.id) as Vote;
    assert.equal(vote.decision, 'reject');
    assert.equal(vote.reason, 'TM_ERR_KEY_ROTATED');
    await waitFor(
      () => drops.filter((code) => code === 'TM_ERR_KEY_ROTATED').length >= 2,
      2_000,
      'both refused',
    );
    assert.equal(a.record('agent', 'p')?.revoked, false);
    assert.equal(oldSigner.nodeId, oldId);
    const impostor = await RawPeer.connect(b.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await impostor.handshake().catch(() => undefined);
    assert.equal((await impostor.waitForClose()).reason, 'TM_ERR_KEY_ROTATED');

    // The new key was written before the rotation was announced: a restart comes back as the new id.
    await c.stop();
    c = await mesh.start(loadKey(cDir), { dataDir: cDir });
    assert.equal(c.nodeId, newId);
  });

  test('a retired key cannot sneak in a back-dated commit', async () => {
    // A (60) rotates; B (40) runs; the thief holds A's retired key and back-dates everything before the rotation.
    mesh = new TestMesh(testNetwork([60, 40, 0]));
    const a = await mesh.start(testKeyPair(0));
    const b = await mesh.start(testKeyPair(1));
    await mesh.link(a, b);
    const rotation = a.rotateKey(generateKeyPair());
    await waitFor(
      () => internals(b).engine.registry.rotationOf(rotation.origin) !== undefined,
      5_000,
      'rotation at b',
    );
    const drops: ErrorCode[] = [];
    b.on('dropped', (_peer, _type, _kind, code) => drops.push(code));
    const dayAgo = new ManualClock(Date.now() - 24 * 3_600_000);
    const thief = new EntryMaker({ network: mesh.network, clock: dayAgo });
    const forged = thief.commit(
      { agentId: 'victim', principalId: 'p' },
      { origin: 0, voters: [0], trustScore: 0 },
    );
    const courier = await RawPeer.connect(b.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await courier.handshake();
    await waitFor(() => b.isConnectedTo(testSigner(2).nodeId), 2_000, 'courier connected');
    courier.sendJson(forged);
    await waitFor(() => drops.length > 0, 2_000, 'refusal');
    assert.ok(['TM_ERR_TIMESTAMP_SKEW', 'TM_ERR_KEY_ROTATED'].includes(drops[0]!), drops[0]);
    assert.equal(b.record('victim', 'p'), null);
  });
});
