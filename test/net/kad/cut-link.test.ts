// Discovery acceptance: in a topology discovery built from one bootstrap node, cutting any one link (closed and
// refused at both ends) leaves every update reaching every node: the tree regrafts, votes find another way back.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { internals } from '../../../src/node/internals.js';
import type { TrustMeshNode } from '../../../src/node/node.js';
import { FAST } from '../../support/discovery.js';
import { testKeyPair, testNetwork } from '../../support/fixtures.js';
import { TestMesh, waitFor } from '../../support/mesh.js';

const N = 12;

describe('a discovered topology survives the loss of any one link', () => {
  const mesh = new TestMesh(testNetwork(Array.from({ length: N }, () => 1)));
  after(async () => mesh.cleanup());

  it('each link cut in turn: an update still commits and reaches all nodes', async () => {
    let cut: readonly [string, string] | null = null;
    const refused = (a: string, b: string | null) =>
      cut !== null && b !== null && ((cut[0] === a && cut[1] === b) || (cut[1] === a && cut[0] === b));
    const nodes: TrustMeshNode[] = [];
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const self = () => ids[i]!;
      const node = await mesh.start(testKeyPair(i), {
        host: `127.0.3.${2 + i}`,
        ...(i === 0 ? {} : { peers: [nodes[0]!.endpoint] }),
        // A sparse target, so that one link is a real share of a node's connections.
        discovery: { ...FAST, targetOutbound: 3 },
        backoff: { initialMs: 50, maxMs: 500 },
        allowPeer: (nodeId) => !refused(self(), nodeId),
      });
      nodes.push(node);
      ids.push(node.nodeId);
    }
    await waitFor(
      () => nodes.every((node) => node.connectedPeers().length >= 3),
      30_000,
      'every node at its outbound target or better',
    );
    const edges = new Set<string>();
    for (const node of nodes)
      for (const peer of node.connectedPeers()) edges.add([node.nodeId, peer].sort().join(' '));
    const links = [...edges].map((edge) => edge.split(' ') as [string, string]);
    assert.ok(links.length >= N, `a mesh, not a tree (${links.length} links)`);
    let round = 0;
    for (const link of links) {
      cut = link;
      for (const node of nodes) internals(node).peers.applyLinkFilter();
      const [x, y] = link.map((id) => nodes[ids.indexOf(id)]!) as [TrustMeshNode, TrustMeshNode];
      await waitFor(() => !x.isConnectedTo(y.nodeId) && !y.isConnectedTo(x.nodeId), 5_000, 'the link cut');
      const where = `round ${round}, link ${link.map((id) => ids.indexOf(id)).join('-')} cut`;
      const proposer = nodes[round % N]!;
      const record = proposer.submit({
        agentId: `cut-${round}`,
        principalId: 'p',
        trustScore: round,
        event: 'SCORE_UPDATE',
      });
      const settled = await proposer.whenSettled(record.id);
      assert.equal(
        settled.state,
        'committed',
        `${where}: ${settled.rejection} ${JSON.stringify(settled.reasons)}`,
      );
      const has = (node: TrustMeshNode) => node.record(`cut-${round}`, 'p')?.trustScore === round;
      try {
        await waitFor(() => nodes.every(has), 5_000, `update ${round} on every node, ${where}`);
      } catch (error) {
        // Which nodes lack it, and which of their neighbours hold it (+) or not (-): where the repair failed.
        for (const node of nodes.filter((n) => !has(n))) {
          const peers = node
            .connectedPeers()
            .map((id) => `${ids.indexOf(id)}${has(nodes[ids.indexOf(id)]!) ? '+' : '-'}`);
          console.log(`node ${ids.indexOf(node.nodeId)} lacks it; neighbours ${peers.join(' ')}`);
        }
        throw error;
      }
      round++;
    }
    cut = null;
  });
});
