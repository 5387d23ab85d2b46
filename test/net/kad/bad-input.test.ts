// Discovery under attack, with real nodes and sockets on 127.0.x.y: forged announces, bad NODES answers, an
// announce flood from one subnet, and a peer answering every FIND_NODE with Sybils ground near the target.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { solveWork } from '../../../src/core/admission/work.js';
import type { Message, PeerAnnounce, PeerInfo } from '../../../src/core/messages/schemas.js';
import { bucketIndex } from '../../../src/core/routing/ids.js';
import { subnetOf } from '../../../src/core/routing/subnet.js';
import { signMessage } from '../../../src/core/signing.js';
import { createSigner, sodiumCrypto } from '../../../src/crypto/sodium.js';
import type { DiscoveryOptions } from '../../../src/net/kad/interface.js';
import { internals } from '../../../src/node/internals.js';
import type { TrustMeshNode } from '../../../src/node/node.js';
import { STRICT } from '../../support/discovery.js';
import { TEST_WORK_BITS, testKeyPair, testNetwork } from '../../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../../support/mesh.js';
import { SybilServer, targetOf } from '../../support/sybil-server.js';

const SYBIL_HOST = '127.0.9.1';

function announceOf(
  signerIndex: number,
  networkId: string,
  overrides: Partial<PeerAnnounce> = {},
): PeerAnnounce {
  const signer = createSigner(testKeyPair(signerIndex));
  return signMessage<PeerAnnounce>(signer, networkId, {
    type: 'PEER_ANNOUNCE',
    version: '1.0',
    id: `announce-${signerIndex}`,
    timestamp: new Date().toISOString(),
    nodeId: signer.nodeId,
    publicKey: signer.publicKey,
    endpoints: [`ws://127.0.8.${signerIndex}:1/mesh`],
    capabilities: ['FULL_NODE'],
    // Outsiders pay their admission work (test networks ask 8 bits), so what is tested is what comes after.
    work: solveWork(sodiumCrypto, networkId, signer.nodeId, TEST_WORK_BITS),
    ...overrides,
  });
}

/** Table entries of the node per bucket that lie in the Sybil subnet. */
function sybilsPerBucket(node: TrustMeshNode): number[] {
  const { discovery } = internals(node);
  const counts = new Map<number, number>();
  for (const entry of discovery.table.entries()) {
    if (subnetOf(entry.address)?.key !== subnetOf(SYBIL_HOST)?.key) continue;
    const bucket = bucketIndex(node.nodeId, entry.nodeId);
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return [...counts.values()];
}

describe('discovery bad input', () => {
  let mesh: TestMesh;
  let sybil: SybilServer | null = null;
  afterEach(async () => {
    await sybil?.close();
    sybil = null;
    await mesh.cleanup();
  });

  async function loneNodeWithAttacker(discovery: Partial<DiscoveryOptions> = {}) {
    mesh = new TestMesh(testNetwork([1, 1]));
    const node = await mesh.start(testKeyPair(0), {
      host: '127.0.4.2',
      discovery: { ...STRICT, ...discovery },
    });
    const attacker = await RawPeer.connect(node.endpoint, testKeyPair(1), mesh.network.networkId, mesh);
    await attacker.handshake();
    await waitFor(() => node.isConnectedTo(attacker.signer.nodeId), 5_000, 'attacker connected');
    return { node, attacker };
  }

  it('refuses an announce with a forged signature, and the node it names never becomes a candidate', async () => {
    const { node, attacker } = await loneNodeWithAttacker();
    const before = node.routingTable().candidates;
    const forged = {
      ...announceOf(5, mesh.network.networkId),
      signature: announceOf(6, mesh.network.networkId).signature,
    };
    attacker.sendJson(forged);
    const { reason } = await attacker.waitForClose();
    assert.equal(reason, 'TM_ERR_SIG_INVALID');
    assert.equal(node.routingTable().candidates, before);
  });

  it('refuses an announce whose nodeId is not the hash of its key', async () => {
    const { node, attacker } = await loneNodeWithAttacker();
    const before = node.routingTable().candidates;
    const claimed = createSigner(testKeyPair(7)).nodeId;
    // With the work done for the id it claims, so that what is refused is the mismatch itself.
    const work = solveWork(sodiumCrypto, mesh.network.networkId, claimed, TEST_WORK_BITS);
    const impostor = announceOf(5, mesh.network.networkId, { nodeId: claimed, work });
    attacker.sendJson(impostor);
    const { reason } = await attacker.waitForClose();
    assert.equal(reason, 'TM_ERR_NODE_ID_MISMATCH');
    assert.equal(node.routingTable().candidates, before);
  });

  it('drops malformed, repeated and self entries of a NODES answer and keeps the good one', async () => {
    const { node, attacker } = await loneNodeWithAttacker();
    const info = (i: number): PeerInfo => {
      const { nodeId, publicKey, endpoints, capabilities } = announceOf(i, mesh.network.networkId);
      return { nodeId, publicKey, endpoints, capabilities };
    };
    const entries: PeerInfo[] = [
      info(5),
      info(5),
      { ...info(6), publicKey: info(7).publicKey },
      { ...info(8), endpoints: ['ws:///mesh'] },
      { ...info(0) },
    ];
    attacker.socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Message;
      if (message.type === 'FIND_NODE')
        attacker.sendJson({ type: 'NODES', version: '1.0', id: message.id, nodes: entries });
    });
    // An answer to nothing asked is dropped without effect.
    attacker.sendJson({ type: 'NODES', version: '1.0', id: 'never-asked', nodes: [info(9)] });
    const { discovery } = internals(node);
    await waitFor(() => discovery.stats.nodesDropped >= 3, 5_000, 'NODES checked');
    assert.equal(discovery.stats.nodesDropped, 3);
    assert.equal(node.routingTable().candidates, 1);
    assert.ok(discovery.table.size === 0, 'nothing enters the table unreached');
    assert.ok(
      node.isConnectedTo(attacker.signer.nodeId),
      'bad entries are dropped, not a reason to disconnect',
    );
  });

  it('survives NODES entries whose endpoints pass the schema but are not URLs: dialling them just fails', async () => {
    const { node, attacker } = await loneNodeWithAttacker();
    const entries = [5, 6].map((i, n) => {
      const { nodeId, publicKey, capabilities } = announceOf(i, mesh.network.networkId);
      return {
        nodeId,
        publicKey,
        capabilities,
        endpoints: [n === 0 ? 'ws://%zz/mesh' : 'ws://[::g]:1/mesh'],
      };
    });
    attacker.socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Message;
      if (message.type === 'FIND_NODE')
        attacker.sendJson({ type: 'NODES', version: '1.0', id: message.id, nodes: entries });
    });
    const { discovery } = internals(node);
    await waitFor(() => discovery.stats.dialsFailed >= 2, 5_000, 'both dials failed');
    assert.ok(node.running);
    assert.ok(node.isConnectedTo(attacker.signer.nodeId));
  });

  it('closes the connection of a peer whose NODES answer is oversized', async () => {
    const { attacker } = await loneNodeWithAttacker();
    const info = announceOf(5, mesh.network.networkId);
    const entry = {
      nodeId: info.nodeId,
      publicKey: info.publicKey,
      endpoints: info.endpoints,
      capabilities: [],
    };
    attacker.sendJson({
      type: 'NODES',
      version: '1.0',
      id: 'x',
      nodes: Array.from({ length: 21 }, () => entry),
    });
    const { reason } = await attacker.waitForClose();
    assert.equal(reason, 'TM_ERR_SCHEMA_INVALID');
  });

  it('bounds 50 announces from one subnet: at most the subnet limit in any bucket and in the outbound set', async () => {
    // Refreshes far apart: once the first lookups are done, only slot filling and trimming act on the outbound set.
    const { node, attacker } = await loneNodeWithAttacker({ refreshIntervalMs: 3_600_000 });
    sybil = await SybilServer.start(SYBIL_HOST, mesh.network.networkId);
    sybil.answerWithSybils = false;
    for (let i = 0; i < 50; i++) {
      const { index } = sybil.add();
      const signer = sybil.identities[index]!;
      attacker.sendJson(
        signMessage<PeerAnnounce>(signer, mesh.network.networkId, {
          type: 'PEER_ANNOUNCE',
          version: '1.0',
          id: `sybil-${i}`,
          timestamp: new Date().toISOString(),
          nodeId: signer.nodeId,
          publicKey: signer.publicKey,
          endpoints: [sybil.endpoint(index)],
          capabilities: ['FULL_NODE'],
          work: solveWork(sodiumCrypto, mesh.network.networkId, signer.nodeId, TEST_WORK_BITS),
        }),
      );
    }
    await waitFor(() => node.routingTable().candidates >= 50, 15_000, 'announces heard');
    await waitFor(() => sybil!.reached.size >= 2, 15_000, 'node dialled sybils');
    const { discovery } = internals(node);
    // Let slot filling run many more times: it must not take more from the subnet.
    for (let i = 0; i < 20; i++) discovery.tick();
    await waitFor(() => sybil!.connections <= 2, 10_000, 'sybil connections bounded');
    const perBucket = sybilsPerBucket(node);
    assert.ok(perBucket.length >= 1, 'the sybils reached are in the table');
    for (const count of perBucket) assert.ok(count <= 2, `bucket holds ${count} sybils`);
  });

  it('keeps honest peers in the table and in lookups when a peer answers every FIND_NODE with ground Sybils', async () => {
    mesh = new TestMesh(testNetwork([1, 1, 1, 1, 1]));
    sybil = await SybilServer.start(SYBIL_HOST, mesh.network.networkId);
    const h1 = await mesh.start(testKeyPair(1), { host: '127.0.1.2', discovery: STRICT });
    const h2 = await mesh.start(testKeyPair(2), {
      host: '127.0.2.2',
      peers: [h1.endpoint],
      discovery: STRICT,
    });
    const h3 = await mesh.start(testKeyPair(3), {
      host: '127.0.3.2',
      peers: [h1.endpoint],
      discovery: STRICT,
    });
    const node = await mesh.start(testKeyPair(0), {
      host: '127.0.4.2',
      peers: [h1.endpoint],
      discovery: STRICT,
    });
    const attacker = await RawPeer.connect(node.endpoint, testKeyPair(4), mesh.network.networkId, mesh);
    const server = sybil;
    attacker.socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Message;
      if (message.type === 'FIND_NODE')
        attacker.sendJson({
          type: 'NODES',
          version: '1.0',
          id: message.id,
          nodes: server.nearTo(message.target),
        });
    });
    await attacker.handshake();
    const honest = [h1, h2, h3].map((h) => h.nodeId);
    await waitFor(() => honest.every((id) => node.isConnectedTo(id)), 10_000, 'honest peers found');
    await waitFor(
      () => node.routingTable().lookups >= 3 && sybil!.reached.size >= 1,
      10_000,
      'lookups with sybils',
    );
    for (const count of sybilsPerBucket(node)) assert.ok(count <= 2, `bucket holds ${count} sybils`);
    const found = await internals(node).discovery.lookup(targetOf('any target'));
    for (const id of honest)
      assert.ok(
        found.some((peer) => peer.nodeId === id),
        `lookup found ${id.slice(0, 8)}`,
      );
    const sybilsFound = found.filter(
      (peer) => subnetOf(peer.endpoints[0] ?? '')?.key === subnetOf(SYBIL_HOST)?.key,
    );
    assert.ok(sybilsFound.length <= 3, `lookup returned ${sybilsFound.length} sybils`);
  });
});
