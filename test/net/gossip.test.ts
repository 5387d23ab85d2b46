// Acceptance test of gossip over several hops (issue #2, item 4): a line of four real nodes, not fully connected.
// A signed message crosses it unchanged, each node forwards it to every peer but the one it came from, once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Message } from '../../src/core/messages/schemas.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

interface Seen {
  readonly message: Message;
  readonly from: string;
}

describe('gossip over multiple hops: A – B – C – D', () => {
  const mesh = new TestMesh(testNetwork([10, 10, 10, 10]));
  let line: TrustMeshNode[];
  /** Leaf observers on B and D: what a node forwards to a peer that is not next in the line. */
  let watchB: RawPeer;
  let watchD: RawPeer;
  const accepted = new Map<TrustMeshNode, Seen[]>();
  const dropped = new Map<TrustMeshNode, string[]>();

  before(async () => {
    line = [];
    for (let i = 0; i < 4; i++) line.push(await mesh.start(testKeyPair(i)));
    for (let i = 0; i < 3; i++) await mesh.link(line[i]!, line[i + 1]!);
    for (const node of line) {
      accepted.set(node, []);
      dropped.set(node, []);
      node.on('message', (message, from) => accepted.get(node)!.push({ message, from }));
      node.on('dropped', (_peer, type, _kind, code) => dropped.get(node)!.push(`${type} ${code}`));
    }
    const watch = async (node: TrustMeshNode, key: number) => {
      const peer = await RawPeer.connect(node.endpoint, testKeyPair(key), mesh.network.networkId, mesh);
      await peer.handshake();
      await waitFor(() => node.isConnectedTo(peer.signer.nodeId), 2_000, 'observer');
      return peer;
    };
    watchB = await watch(line[1]!, 8);
    watchD = await watch(line[3]!, 9);
  });
  after(() => mesh.cleanup());

  test('the line is not fully connected', () => {
    const [a, b, c, d] = line as [TrustMeshNode, TrustMeshNode, TrustMeshNode, TrustMeshNode];
    assert.deepEqual(a.connectedPeers(), [b.nodeId]);
    assert.deepEqual(new Set(b.connectedPeers()), new Set([a.nodeId, c.nodeId, watchB.signer.nodeId]));
    assert.deepEqual(new Set(c.connectedPeers()), new Set([b.nodeId, d.nodeId]));
    assert.deepEqual(new Set(d.connectedPeers()), new Set([c.nodeId, watchD.signer.nodeId]));
  });

  test('a signed message from A reaches D unchanged, each node forwarding it once to every peer but its sender', async () => {
    const [a, b, c, d] = line as [TrustMeshNode, TrustMeshNode, TrustMeshNode, TrustMeshNode];
    const revocation = a.revoke({ agentId: 'agent-far', principalId: 'p', reason: 'key leaked' });
    const sentText = JSON.stringify(revocation);
    const copiesAt = (peer: RawPeer) => peer.texts.filter((text) => text.includes(revocation.id));
    await waitFor(() => copiesAt(watchD).length > 0, 5_000, 'the revocation at D’s observer');

    // A barrier back along the line: D's alert travels D → C → B → A on the same (critical) lane and FIFO
    // connections, so once A accepts it, any copy of the revocation sent back toward its sender has arrived.
    const alert = d.alert({
      severity: 'info',
      subject: { kind: 'network', id: 'test-net' },
      summary: 'barrier',
    });
    await waitFor(
      () => accepted.get(a)!.some((seen) => 'id' in seen.message && seen.message.id === alert.id),
      5_000,
      'the barrier at A',
    );

    assert.equal(copiesAt(watchD)[0], sentText, 'D forwarded the exact JSON A sent');
    assert.equal(copiesAt(watchD).length, 1);
    assert.deepEqual(copiesAt(watchB), [sentText], 'B forwarded it to its other peer too, once');

    const acceptedRevocations = (node: TrustMeshNode) =>
      accepted.get(node)!.filter((seen) => 'id' in seen.message && seen.message.id === revocation.id);
    assert.deepEqual(acceptedRevocations(a), [], 'never back to its origin');
    assert.deepEqual(
      acceptedRevocations(b).map((seen) => seen.from),
      [a.nodeId],
    );
    assert.deepEqual(
      acceptedRevocations(c).map((seen) => seen.from),
      [b.nodeId],
    );
    assert.deepEqual(
      acceptedRevocations(d).map((seen) => seen.from),
      [c.nodeId],
    );
    assert.deepEqual(acceptedRevocations(d)[0]?.message, JSON.parse(sentText));
    for (const node of line) {
      assert.deepEqual(
        dropped.get(node)!.filter((drop) => drop.startsWith('REVOCATION')),
        [],
        'no node received a second copy, so none was sent back to its sender',
      );
      assert.equal(node.record('agent-far', 'p')?.revoked, true);
    }
  });
});
