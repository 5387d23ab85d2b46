// Acceptance at N = 30 on real sockets: nodes that know only node 0 all reach their outbound target (8), and one
// node's lookup for a random id returns the same k closest ids as a brute-force search over all 30.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { closestFirst } from '../../../src/core/routing/ids.js';
import { internals } from '../../../src/node/internals.js';
import type { TrustMeshNode } from '../../../src/node/node.js';
import { FAST } from '../../support/discovery.js';
import { testKeyPair, testNetwork } from '../../support/fixtures.js';
import { TestMesh, waitFor } from '../../support/mesh.js';
import { targetOf } from '../../support/sybil-server.js';

const N = 30;
const TARGET_OUTBOUND = 8;

describe(`discovery at N = ${N}`, () => {
  const mesh = new TestMesh(testNetwork(Array.from({ length: N }, () => 1)));
  after(async () => mesh.cleanup());

  it('fills every node to its target from one bootstrap node, and lookups match a brute-force search', async () => {
    // 30 nodes share this process: an answer can wait seconds behind the others' work, and a lookup leaves out a
    // node whose answer timed out — which would make it differ from the brute-force search for want of time.
    const options = { ...FAST, tickMs: 100, requestTimeoutMs: 10_000 };
    const nodes: TrustMeshNode[] = [
      await mesh.start(testKeyPair(0), { host: '127.0.0.2', discovery: options }),
    ];
    for (let i = 1; i < N; i++)
      nodes.push(
        await mesh.start(testKeyPair(i), {
          host: `127.0.${1 + (i >> 7)}.${2 + (i & 127)}`,
          peers: [nodes[0]!.endpoint],
          discovery: options,
        }),
      );
    const started = Date.now();
    const outbound = (node: TrustMeshNode) =>
      node.peerSummaries().filter((peer) => peer.direction === 'outbound').length;
    // A node dials only nodes not connected to it already: one connected to every other node is as full as it can
    // be (node 0, told of no peer, is always so).
    const filled = (node: TrustMeshNode) =>
      outbound(node) >= TARGET_OUTBOUND || node.connectedPeers().length === N - 1;
    try {
      await waitFor(() => nodes.every(filled), 60_000, 'outbound targets');
    } catch (error) {
      for (const node of nodes) {
        const { discovery } = internals(node);
        const peers = node.connectedPeers().length;
        const shape = { outbound: outbound(node), peers, table: discovery.table.size, ...discovery.stats };
        console.log(
          `${node.nodeId.slice(0, 8)} ${JSON.stringify(shape)} candidates ${discovery.snapshot().candidates}`,
        );
      }
      throw error;
    }
    const fillMs = Date.now() - started;
    const ids = nodes.map((node) => node.nodeId);
    const asker = nodes[N - 1]!;
    const target = targetOf('acceptance target');
    const found = await internals(asker).discovery.lookup(target);
    const expected = closestFirst(
      target,
      ids.filter((id) => id !== asker.nodeId),
      (id) => id,
    ).slice(0, 20);
    assert.deepEqual(
      found.map((peer) => peer.nodeId),
      expected,
    );
    const hops = nodes.map((node) => internals(node).discovery.stats);
    const lookups = hops.reduce((sum, stats) => sum + stats.lookups, 0);
    const meanHops = hops.reduce((sum, stats) => sum + stats.lookupHops, 0) / Math.max(1, lookups);
    console.log(
      `N=${N}: all at ${TARGET_OUTBOUND} outbound (or linked to all) after ${fillMs} ms; ${lookups} lookups, mean hops ${meanHops.toFixed(2)}`,
    );
  });
});
