import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { ErrorCode } from '../../src/core/errors.js';
import type { Blacklist } from '../../src/core/messages/schemas.js';
import { signMessage } from '../../src/core/signing.js';
import { isoTimestamp } from '../../src/core/time.js';
import { internals } from '../../src/node/internals.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { EntryMaker } from '../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

// Nodes 0–3 run for real (stake 100 each); 4 and 5 are members driven by hand.
const STAKES = [100, 100, 100, 100, 0, 0];

describe('evidence-based blacklisting', () => {
  let mesh: TestMesh;
  let nodes: TrustMeshNode[];
  let maker: EntryMaker;

  async function ring(): Promise<void> {
    mesh = new TestMesh(testNetwork(STAKES));
    nodes = [];
    for (let i = 0; i < 4; i++) nodes.push(await mesh.start(testKeyPair(i)));
    for (let i = 0; i < 4; i++) await mesh.link(nodes[i]!, nodes[(i + 1) % 4]!);
    maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
  }

  async function raw(index: number, to: TrustMeshNode): Promise<RawPeer> {
    const peer = await RawPeer.connect(to.endpoint, testKeyPair(index), mesh.network.networkId, mesh);
    await peer.handshake();
    await waitFor(() => to.isConnectedTo(maker.signer(index).nodeId), 2_000, 'raw peer established');
    return peer;
  }

  afterEach(() => mesh.cleanup());

  test('equivocation: every node blacklists the offender, drops it, and refuses its reconnection', async () => {
    await ring();
    const rogue = maker.signer(4);
    const peer = await raw(4, nodes[0]!);
    const subject = { agentId: 'agent', principalId: 'p' };
    // One id, two different signed contents: the same node said two things.
    peer.sendJson(maker.update(subject, { origin: 4, updateId: 'twice', trustScore: 100 }));
    peer.sendJson(maker.update(subject, { origin: 4, updateId: 'twice', trustScore: 900 }));
    await waitFor(
      () => nodes.every((node) => internals(node).engine.registry.isBlacklisted(rogue.nodeId)),
      5_000,
      'blacklist everywhere',
    );
    await peer.waitForClose();
    assert.equal(peer.closeReason, 'TM_ERR_BLACKLISTED');
    for (const node of nodes) {
      const entries = internals(node).store.entriesOfType(['BLACKLIST']);
      assert.equal(entries.length, 1);
      assert.equal((entries[0] as Blacklist).reason, 'EQUIVOCATION');
    }
    for (const node of nodes) {
      const again = await RawPeer.connect(node.endpoint, testKeyPair(4), mesh.network.networkId, mesh);
      await again.handshake().catch(() => undefined);
      const closed = await again.waitForClose();
      assert.equal(closed.reason, 'TM_ERR_BLACKLISTED');
    }
  });

  test('fabricated evidence is refused, its sender disconnected, and the accused left alone', async () => {
    await ring();
    const accuser = await raw(5, nodes[2]!);
    const drops: ErrorCode[] = [];
    nodes[2]!.on('dropped', (_peer, _type, _kind, code) => drops.push(code));
    const victim = maker.signer(1);
    const honest = maker.update({ agentId: 'agent', principalId: 'p' }, { origin: 1, trustScore: 500 });
    const other = maker.update({ agentId: 'agent', principalId: 'q' }, { origin: 1, trustScore: 500 });
    const accusation = (reason: Blacklist['reason'], evidence: object[]) =>
      signMessage<Blacklist>(maker.signer(5), maker.networkId, {
        type: 'BLACKLIST',
        version: '1.0',
        id: `accuse-${reason}`,
        timestamp: isoTimestamp(Date.now()),
        origin: maker.signer(5).nodeId,
        originKey: maker.signer(5).publicKey,
        priority: 'CRITICAL',
        offender: victim.nodeId,
        reason,
        evidence: evidence as Record<string, unknown>[],
      });
    accuser.sendJson(accusation('INVALID_MESSAGE', [honest]));
    await accuser.waitForClose();
    assert.equal(accuser.closeReason, 'TM_ERR_EVIDENCE_INVALID');
    const second = await raw(5, nodes[3]!);
    second.sendJson(accusation('EQUIVOCATION', [honest, other]));
    await second.waitForClose();
    assert.equal(second.closeReason, 'TM_ERR_EVIDENCE_INVALID');
    assert.ok(drops.includes('TM_ERR_EVIDENCE_INVALID'));
    for (const node of nodes) {
      assert.equal(internals(node).engine.registry.isBlacklisted(victim.nodeId), false);
      assert.equal(internals(node).store.entriesOfType(['BLACKLIST']).length, 0);
    }
  });
});
