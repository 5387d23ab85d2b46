import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { ErrorCode } from '../../src/core/errors.js';
import type { KeyRotation } from '../../src/core/messages/schemas.js';
import { internals } from '../../src/node/internals.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { EntryMaker } from '../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

// Node 0 runs for real; 1 and 2 are members driven by hand; 7 and 8 are not in the network file.
const STAKES = [100, 0, 0];
const subject = { agentId: 'agent', principalId: 'p' };

describe('critical events refused with a reason code, nothing applied', () => {
  let mesh: TestMesh;
  let node: TrustMeshNode;
  let maker: EntryMaker;
  let drops: Array<{ kind: string; code: ErrorCode }>;

  beforeEach(async () => {
    mesh = new TestMesh(testNetwork(STAKES));
    node = await mesh.start(testKeyPair(0));
    maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
    drops = [];
    node.on('dropped', (_peer, _type, kind, code) => drops.push({ kind, code }));
  });
  afterEach(() => mesh.cleanup());

  async function raw(index: number): Promise<RawPeer> {
    const peer = await RawPeer.connect(node.endpoint, testKeyPair(index), mesh.network.networkId, mesh);
    await peer.handshake();
    await waitFor(() => node.isConnectedTo(maker.signer(index).nodeId), 2_000, 'raw peer established');
    return peer;
  }

  const nothingApplied = () => {
    assert.equal(node.record(subject.agentId, subject.principalId), null);
    assert.equal(internals(node).store.size(), 0);
  };

  test('a revocation signed by a node outside the network is refused (TM_ERR_UNKNOWN_ORIGIN)', async () => {
    // Even a node that completed a handshake is not a member: connecting does not confer the right to revoke.
    const peer = await raw(7);
    peer.sendJson(maker.revocation(subject, { origin: 7 }));
    peer.sendJson(maker.revocation(subject, { origin: 8 }));
    await waitFor(
      () => drops.filter((drop) => drop.code === 'TM_ERR_UNKNOWN_ORIGIN').length === 2,
      2_000,
      'two refusals',
    );
    nothingApplied();
  });

  test('a revocation signed by a blacklisted node is refused (TM_ERR_BLACKLISTED)', async () => {
    const peer = await raw(1);
    // Node 0 itself accuses 2 with evidence of a broken rule (a signed score of 1001).
    const evidence = maker.update(subject, { origin: 2, trustScore: 1001 });
    assert.equal(
      internals(node).engine.blacklist(maker.signer(2).nodeId, 'INVALID_MESSAGE', [evidence]).kind,
      'accept',
    );
    assert.equal(internals(node).engine.registry.isBlacklisted(maker.signer(2).nodeId), true);
    const before = internals(node).store.size();
    peer.sendJson(maker.revocation(subject, { origin: 2 }));
    await waitFor(() => drops.some((drop) => drop.code === 'TM_ERR_BLACKLISTED'), 2_000, 'refusal');
    assert.equal(node.record(subject.agentId, subject.principalId), null);
    assert.equal(internals(node).store.size(), before, 'only the blacklisting itself was stored');
  });

  test('a key rotation missing either signature is refused and changes no key', async () => {
    const peer = await raw(1);
    const good = maker.keyRotation(1, 8);
    const { newSignature: _dropped, ...withoutNew } = good;
    const forgedNew: KeyRotation = { ...good, newSignature: good.signature };
    const forgedOld: KeyRotation = { ...good, signature: good.newSignature };
    peer.sendJson(forgedNew);
    await peer.waitForClose();
    assert.equal(peer.closeReason, 'TM_ERR_ROTATION_INVALID');
    const second = await raw(1);
    second.sendJson(forgedOld);
    await second.waitForClose();
    assert.equal(second.closeReason, 'TM_ERR_SIG_INVALID');
    const third = await raw(1);
    third.sendJson(withoutNew);
    await third.waitForClose();
    assert.equal(third.closeReason, 'TM_ERR_SCHEMA_INVALID');
    assert.equal(internals(node).engine.registry.rotationOf(maker.signer(1).nodeId), undefined);
    nothingApplied();
  });

  test('a second, conflicting rotation is held to the rotation rules: one onto its own id is refused, not stored', async () => {
    const peer = await raw(1);
    const first = maker.keyRotation(1, 8);
    peer.sendJson(first);
    const oldId = maker.signer(1).nodeId;
    await waitFor(
      () => internals(node).engine.registry.rotationOf(oldId) !== undefined,
      2_000,
      'the first rotation applied',
    );
    const stored = internals(node).store.size();
    // Signed by the same (old) key twice: the origin equivocates, but onto itself, which no rotation may do.
    const ontoItself = maker.keyRotation(1, 1);
    const second = await raw(2);
    second.sendJson(ontoItself);
    await second.waitForClose();
    assert.equal(second.closeReason, 'TM_ERR_ROTATION_INVALID');
    assert.equal(internals(node).store.size(), stored, 'the invalid rotation was not stored');
    assert.equal(internals(node).engine.registry.currentId(oldId), maker.signer(8).nodeId);
    assert.equal(internals(node).engine.registry.chainOf(oldId).length, 2, 'no cycle in the rotation chain');
  });
});
