import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { internals } from '../../../src/node/internals.js';
import type { TrustMeshNode } from '../../../src/node/node.js';
import { testKeyPair, testNetwork } from '../../support/fixtures.js';
import { TestMesh, waitFor } from '../../support/mesh.js';
import { blocksClosed } from '../../support/sync.js';

const N = 10;
const MAJORITY = 6;

describe('a partition heals by anti-entropy', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('the minority commits nothing, both sides revoke, and after healing every node holds the same state', async () => {
    // Ten nodes of equal stake: six on one side (60%), four on the other (40%).
    mesh = new TestMesh(testNetwork(Array(N).fill(10), { epochMs: 1_000 }, { proposalTimeoutMs: 1_500 }));
    const { network } = mesh;
    // side[i] of node i; links across sides are refused while `cut`, at dial (by endpoint) and handshake.
    let cut = false;
    const sideOfNode = new Map<string, number>();
    const sideOfEndpoint = new Map<string, number>();
    const nodes: TrustMeshNode[] = [];
    for (let i = 0; i < N; i++) {
      const side = i < MAJORITY ? 0 : 1;
      const allowPeer = (nodeId: string | null, endpoint: string): boolean => {
        if (!cut) return true;
        const other = (nodeId === null ? undefined : sideOfNode.get(nodeId)) ?? sideOfEndpoint.get(endpoint);
        return other === undefined || other === side;
      };
      const node = await mesh.start(testKeyPair(i), {
        allowPeer,
        peers: nodes.map((n) => n.endpoint),
        backoff: { initialMs: 50, maxMs: 200 },
        sync: { blockGraceMs: 0, settleMs: 50 },
      });
      sideOfNode.set(node.nodeId, side);
      sideOfEndpoint.set(node.endpoint, side);
      nodes.push(node);
    }
    await waitFor(() => nodes.every((node) => node.connectedPeers().length === N - 1), 10_000, 'full mesh');
    const majoritySide = nodes.slice(0, MAJORITY);
    const minoritySide = nodes.slice(MAJORITY);
    const [a, b, c] = majoritySide as [TrustMeshNode, TrustMeshNode, TrustMeshNode];
    const [d, e] = minoritySide as [TrustMeshNode, TrustMeshNode];
    const before = a.submit({ agentId: 'agent-0', principalId: 'p', trustScore: 500, event: 'REGISTRATION' });
    assert.equal((await a.whenSettled(before.id)).state, 'committed');
    await waitFor(() => nodes.every((node) => node.stateHash() === a.stateHash()), 5_000, 'agreed');

    cut = true;
    for (const node of nodes) internals(node).peers.applyLinkFilter();
    await waitFor(
      () =>
        majoritySide.every((node) => node.connectedPeers().length === MAJORITY - 1) &&
        minoritySide.every((node) => node.connectedPeers().length === N - MAJORITY - 1),
      5_000,
      'partitioned',
    );
    const majority = a.submit({
      agentId: 'agent-1',
      principalId: 'p',
      trustScore: 600,
      event: 'REGISTRATION',
    });
    const minority = d.submit({
      agentId: 'agent-2',
      principalId: 'p',
      trustScore: 600,
      event: 'REGISTRATION',
    });
    assert.equal((await a.whenSettled(majority.id)).state, 'committed');
    assert.notEqual(
      (await d.whenSettled(minority.id)).state,
      'committed',
      '40% of the stake commits nothing',
    );
    b.revoke({ agentId: 'agent-0', principalId: 'p', reason: 'seen on the majority side' });
    e.revoke({ agentId: 'agent-0', principalId: 'q', reason: 'seen on the minority side' });
    await waitFor(() => c.record('agent-0', 'p')?.revoked === true, 5_000, 'majority revocation spread');
    await waitFor(
      () => minoritySide.every((node) => node.record('agent-0', 'q') !== null),
      5_000,
      'minority revocation spread',
    );
    assert.ok(
      majoritySide.every((node) => node.record('agent-2', 'p') === null),
      'nothing crossed the cut',
    );
    assert.notEqual(a.stateHash(), d.stateHash());
    await blocksClosed(a, network.epochMs, network.genesisTime);
    await blocksClosed(d, network.epochMs, network.genesisTime);

    const rounds = nodes.map((node) => node.syncStatus().lastRoundAt ?? 0);
    cut = false;
    await waitFor(() => nodes.every((node) => node.connectedPeers().length === N - 1), 10_000, 'healed');
    await waitFor(
      () => nodes.every((node) => node.stateHash() === a.stateHash()),
      5_000,
      'same state everywhere after the reconnection rounds',
    );
    // The periodic round is 24 h away: what healed it were the rounds every node ran on reconnecting.
    await waitFor(
      () => nodes.every((node, i) => (node.syncStatus().lastRoundAt ?? 0) > rounds[i]!),
      5_000,
      'a round after the reconnection on every node',
    );
    assert.ok(nodes.every((node) => node.stateHash() === a.stateHash()));
    for (const node of nodes) {
      assert.equal(node.record('agent-0', 'p')?.revoked, true);
      assert.equal(node.record('agent-0', 'q')?.revoked, true);
      assert.equal(node.record('agent-1', 'p')?.trustScore, 600);
      assert.equal(node.record('agent-2', 'p'), null);
    }
  });
});
