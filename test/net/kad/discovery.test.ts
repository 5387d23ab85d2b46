// Discovery with real nodes on 127.0.0.x: a ring grows into a mesh, a node told of one peer finds the rest, and
// a restarted node reconnects from its stored peers with no bootstrap list at all.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { closestFirst } from '../../../src/core/routing/ids.js';
import { internals } from '../../../src/node/internals.js';
import type { TrustMeshNode } from '../../../src/node/node.js';
import { FAST } from '../../support/discovery.js';
import { testKeyPair, testNetwork } from '../../support/fixtures.js';
import { TestMesh, waitFor } from '../../support/mesh.js';
import { SybilServer, targetOf } from '../../support/sybil-server.js';

const host = (index: number) => `127.0.0.${index + 2}`;

describe('discovery', () => {
  let mesh: TestMesh;
  afterEach(async () => mesh.cleanup());

  it('turns a 6-node ring, each node told of one peer, into more links than the ring', async () => {
    mesh = new TestMesh(testNetwork([1, 1, 1, 1, 1, 1]));
    const nodes: TrustMeshNode[] = [];
    for (let i = 0; i < 6; i++) {
      const peers = i === 0 ? [] : [nodes[i - 1]!.endpoint];
      nodes.push(await mesh.start(testKeyPair(i), { host: host(i), peers, discovery: FAST }));
    }
    // Close the ring: node 0 is told of node 5 only.
    nodes[0]!.addPeer(nodes[5]!.endpoint);
    await waitFor(() => nodes.every((node) => node.connectedPeers().length === 5), 15_000, 'full mesh');
    await waitFor(() => nodes.every((node) => node.routingTable().lookups >= 1), 10_000, 'a lookup each');
    for (const node of nodes) {
      const table = node.routingTable();
      assert.ok(table.size >= 1, `routing table of ${node.nodeId.slice(0, 8)} holds ${table.size}`);
      assert.equal(
        table.buckets.reduce((sum, bucket) => sum + bucket.size, 0),
        table.size,
      );
    }
  });

  it('lets a node configured with one peer find all the others', async () => {
    mesh = new TestMesh(testNetwork([1, 1, 1, 1, 1, 1]));
    const hub = await mesh.start(testKeyPair(0), { host: host(0), discovery: { enabled: false } });
    const others: TrustMeshNode[] = [];
    for (let i = 1; i < 5; i++)
      others.push(
        await mesh.start(testKeyPair(i), { host: host(i), peers: [hub.endpoint], discovery: FAST }),
      );
    const newcomer = await mesh.start(testKeyPair(5), {
      host: host(5),
      peers: [others[0]!.endpoint],
      discovery: FAST,
    });
    await waitFor(
      () => [hub, ...others].every((node) => newcomer.isConnectedTo(node.nodeId)),
      15_000,
      'newcomer connected to all',
    );
    // Its lookup for a random id finds the same closest nodes as a brute-force search over the whole mesh.
    const target = createHash('sha256').update('some target').digest('hex');
    const found = await internals(newcomer).discovery.lookup(target);
    const all = [hub, ...others].map((node) => node.nodeId);
    assert.deepEqual(
      found.map((peer) => peer.nodeId),
      closestFirst(target, all, (id) => id),
    );
  });

  it('asks again on a fresh connection when the one a FIND_NODE went out on closes, twice in a row', async () => {
    mesh = new TestMesh(testNetwork([1, 1]));
    const sybil = await SybilServer.start('127.0.5.2', mesh.network.networkId);
    try {
      sybil.answerWithSybils = false;
      const { index, info } = sybil.add();
      // Refreshes far apart: only the self-lookup at start runs on its own, so the lookup below is the only asker.
      const node = await mesh.start(testKeyPair(0), {
        host: host(0),
        peers: [sybil.endpoint(index)],
        discovery: { ...FAST, refreshIntervalMs: 3_600_000 },
      });
      await waitFor(
        () => node.routingTable().lookups >= 1 && node.isConnectedTo(info.nodeId),
        10_000,
        'joined',
      );
      // Both ends letting an idle link go, then losing the redial to a duplicate, is the chain seen in a 30-node mesh.
      sybil.closeOnFindNode = 2;
      const found = await internals(node).discovery.lookup(targetOf('fresh connection'));
      assert.equal(sybil.closeOnFindNode, 0, 'both closes happened');
      assert.deepEqual(
        found.map((peer) => peer.nodeId),
        [info.nodeId],
      );
    } finally {
      await sybil.close();
    }
  });

  it('replaces a discovered outbound peer that drops', async () => {
    mesh = new TestMesh(testNetwork([1, 1, 1, 1, 1]));
    const hub = await mesh.start(testKeyPair(0), { host: host(0), discovery: { enabled: false } });
    const others: TrustMeshNode[] = [];
    for (let i = 1; i < 4; i++)
      others.push(
        await mesh.start(testKeyPair(i), {
          host: host(i),
          peers: [hub.endpoint],
          discovery: { enabled: false },
        }),
      );
    const node = await mesh.start(testKeyPair(4), {
      host: host(4),
      peers: [hub.endpoint],
      discovery: { ...FAST, targetOutbound: 2 },
    });
    const discovered = () =>
      node
        .peerSummaries()
        .filter((peer) => peer.direction === 'outbound' && peer.nodeId !== hub.nodeId)
        .map((peer) => peer.nodeId);
    await waitFor(() => discovered().length === 1, 10_000, 'one discovered slot');
    const [first] = discovered();
    const leaving = others.find((other) => other.nodeId === first)!;
    await leaving.stop();
    await waitFor(() => discovered().length === 1 && discovered()[0] !== first, 10_000, 'slot refilled');
  });

  it('reconnects a restarted node from its stored peers, with no peers configured and no bootstrap', async () => {
    mesh = new TestMesh(testNetwork([1, 1, 1, 1]));
    // a and b never dial anyone themselves: only c's stored peers can bring it back.
    const a = await mesh.start(testKeyPair(0), { host: host(0), discovery: { enabled: false } });
    const b = await mesh.start(testKeyPair(1), {
      host: host(1),
      peers: [a.endpoint],
      discovery: { enabled: false },
    });
    const dataDir = mesh.tempDir();
    let c = await mesh.start(testKeyPair(2), {
      host: host(2),
      dataDir,
      peers: [b.endpoint],
      discovery: FAST,
    });
    await waitFor(() => c.isConnectedTo(a.nodeId) && c.isConnectedTo(b.nodeId), 10_000, 'c meets a and b');
    const stored = internals(c)
      .store.loadPeers(10)
      .map((peer) => peer.nodeId);
    assert.deepEqual(stored.sort(), [a.nodeId, b.nodeId].sort());
    await c.stop();
    await waitFor(() => !a.isConnectedTo(c.nodeId) && !b.isConnectedTo(c.nodeId), 5_000, 'c gone');
    c = await mesh.start(testKeyPair(2), { host: host(2), dataDir, useBootstrap: false, discovery: FAST });
    await waitFor(
      () => c.isConnectedTo(a.nodeId) && c.isConnectedTo(b.nodeId),
      10_000,
      'c back with a and b',
    );
  });
});
