// Acceptance tests of the challenge-response handshake between real nodes on 127.0.0.1 (issue #2, item 1).
// Each refusal is checked where the peer sees it: a ws close 1008 whose reason is the TrustMeshError code.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { toBase64 } from '../../src/core/encoding.js';
import type { ErrorCode } from '../../src/core/errors.js';
import { createAck } from '../../src/core/handshake.js';
import { randomBytes } from '../../src/crypto/sodium.js';
import type { PeerSummary } from '../../src/net/peers/peer-manager.js';
import { internals } from '../../src/node/internals.js';
import type { NodeOptions, TrustMeshNode } from '../../src/node/node.js';
import { EntryMaker } from '../support/entries.js';
import { testKeyPair, testNetwork, testSigner } from '../support/fixtures.js';
import { captureLogger, type LogRecord, RawPeer, TestMesh, waitFor } from '../support/mesh.js';

const STAKES = [10, 10, 10];

describe('handshake: nodes authenticate each other before anything else', () => {
  let mesh: TestMesh;
  let node: TrustMeshNode;
  let logs: LogRecord[];

  afterEach(() => mesh.cleanup());

  async function startNode(
    params: Parameters<typeof testNetwork>[2] = {},
    options: Partial<NodeOptions> = {},
  ): Promise<void> {
    mesh = new TestMesh(testNetwork(STAKES, {}, params));
    const captured = captureLogger();
    logs = captured.records;
    node = await mesh.start(testKeyPair(0), options, { logger: captured.logger });
  }

  function raw(index: number, networkId = mesh.network.networkId): Promise<RawPeer> {
    return RawPeer.connect(node.endpoint, testKeyPair(index), networkId, mesh);
  }

  /** The peer saw close 1008 with the code as reason, the node logged why, and never counted it as a peer. */
  async function assertRefused(peer: RawPeer, code: ErrorCode): Promise<void> {
    assert.deepEqual(await peer.waitForClose(), { code: 1008, reason: code });
    await waitFor(() => logs.some((r) => r.msg === 'closing connection' && r.code === code), 2_000, code);
    assert.deepEqual(node.connectedPeers(), []);
  }

  test('two nodes connect and authenticate: each knows the other by its proven key', async () => {
    await startNode();
    const other = await mesh.start(testKeyPair(1));
    const connected = new Promise<PeerSummary>((resolve) => node.once('peer:connected', resolve));
    await mesh.link(other, node);
    const summary = await connected;
    assert.equal(summary.nodeId, other.nodeId);
    assert.equal(summary.direction, 'inbound');
    assert.ok(summary.capabilities.includes('FULL_NODE'));
    assert.equal(internals(node).peers.session(other.nodeId)?.peer?.publicKey, other.publicKey);
    assert.equal(internals(other).peers.session(node.nodeId)?.peer?.publicKey, node.publicKey);
    assert.equal(other.peerSummaries()[0]?.direction, 'outbound');
  });

  test('nodes of different networks refuse each other (TM_ERR_NETWORK_MISMATCH)', async () => {
    await startNode();
    const stranger = await mesh.start(testKeyPair(1), {
      network: testNetwork(STAKES, { networkId: 'other-net' }),
    });
    stranger.addPeer(node.endpoint);
    const [target] = internals(stranger).peers.targetList();
    await waitFor(() => target?.lastError === 'TM_ERR_NETWORK_MISMATCH', 5_000, 'dialler sees the mismatch');
    // Whichever side reads the other's HANDSHAKE first refuses; the listener either refused or was told why.
    await waitFor(
      () =>
        logs.some(
          (r) =>
            (r.msg === 'closing connection' && r.code === 'TM_ERR_NETWORK_MISMATCH') ||
            (r.msg === 'socket closed' && r.wsCode === 1008 && r.reason === 'TM_ERR_NETWORK_MISMATCH'),
        ),
      2_000,
      'the listener to refuse or be told',
    );
    assert.deepEqual(node.connectedPeers(), []);
    assert.deepEqual(stranger.connectedPeers(), []);
    // And what the peer is told: a raw peer of the other network gets the code as the close reason.
    const peer = await raw(1, 'other-net');
    peer.hello();
    await assertRefused(peer, 'TM_ERR_NETWORK_MISMATCH');
  });

  test('a HANDSHAKE whose nodeId is not the hash of its publicKey is refused (TM_ERR_NODE_ID_MISMATCH)', async () => {
    await startNode();
    const peer = await raw(1);
    await peer.nodeHandshake();
    peer.hello({ nodeId: testSigner(2).nodeId });
    await assertRefused(peer, 'TM_ERR_NODE_ID_MISMATCH');
  });

  test('an ACK signing the wrong nonce is refused (TM_ERR_SIG_INVALID)', async () => {
    await startNode();
    const peer = await raw(1);
    const nodeHello = await peer.nodeHandshake();
    peer.hello();
    peer.sendJson(createAck(peer.signer, peer.networkId, { ...nodeHello, nonce: toBase64(randomBytes(32)) }));
    await assertRefused(peer, 'TM_ERR_SIG_INVALID');
  });

  test('an ACK signed by a key other than the claimed one is refused (TM_ERR_SIG_INVALID)', async () => {
    await startNode();
    const peer = await raw(1);
    const nodeHello = await peer.nodeHandshake();
    peer.hello();
    peer.sendJson(createAck(testSigner(2), peer.networkId, nodeHello));
    await assertRefused(peer, 'TM_ERR_SIG_INVALID');
  });

  test('a nonce signature that comes too late is refused (TM_ERR_HANDSHAKE_TIMEOUT)', async () => {
    await startNode({ handshakeTimeoutMs: 300 });
    const peer = await raw(1);
    await peer.nodeHandshake();
    const sentAt = Date.now();
    peer.hello();
    await assertRefused(peer, 'TM_ERR_HANDSHAKE_TIMEOUT');
    assert.ok(Date.now() - sentAt >= 250, `closed after ${Date.now() - sentAt} ms, before the timeout`);
  });

  test('messages before the handshake completes are refused (TM_ERR_NOT_HANDSHAKEN)', async () => {
    await startNode();
    const maker = new EntryMaker({ network: mesh.network });
    const early = await raw(1);
    early.sendJson(maker.alert(1));
    await assertRefused(early, 'TM_ERR_NOT_HANDSHAKEN');

    // Also between its HANDSHAKE and its ACK: the peer has not proven its key yet.
    const halfway = await raw(2);
    await halfway.nodeHandshake();
    halfway.hello();
    halfway.sendJson({ type: 'PING', timestamp: new Date().toISOString() });
    assert.deepEqual(await halfway.waitForClose(), { code: 1008, reason: 'TM_ERR_NOT_HANDSHAKEN' });
    assert.deepEqual(node.connectedPeers(), []);
  });

  test('a second HANDSHAKE after the handshake completed is refused (TM_ERR_HANDSHAKE_UNEXPECTED)', async () => {
    await startNode();
    const peer = await raw(1);
    await peer.handshake();
    await waitFor(() => node.isConnectedTo(peer.signer.nodeId), 2_000, 'raw peer established');
    peer.hello();
    assert.deepEqual(await peer.waitForClose(), { code: 1008, reason: 'TM_ERR_HANDSHAKE_UNEXPECTED' });
  });

  test('a node at its inbound limit refuses one more (TM_ERR_TOO_MANY_PEERS) and counts it no longer', async () => {
    await startNode({}, { maxInboundPeers: 1 });
    const first = await raw(1);
    await first.handshake();
    await waitFor(() => node.isConnectedTo(first.signer.nodeId), 2_000, 'the first peer');
    const second = await raw(2);
    assert.deepEqual(await second.waitForClose(), { code: 1008, reason: 'TM_ERR_TOO_MANY_PEERS' });
    assert.ok(logs.some((r) => r.msg === 'closing connection' && r.code === 'TM_ERR_TOO_MANY_PEERS'));
    assert.equal(internals(node).peers.openSockets().length, 1, 'the refused socket is not held');
    assert.ok(node.isConnectedTo(first.signer.nodeId));
    // Once the first leaves, there is room again.
    first.close();
    await waitFor(() => !node.isConnectedTo(first.signer.nodeId), 2_000, 'the first peer gone');
    const third = await raw(2);
    await third.handshake();
    await waitFor(() => node.isConnectedTo(third.signer.nodeId), 2_000, 'room for another');
  });

  test('connecting to itself is detected (TM_ERR_SELF_CONNECTION) and the endpoint is never dialled again', async () => {
    await startNode();
    node.addPeer(node.endpoint);
    const [target] = internals(node).peers.targetList();
    assert.ok(target);
    await waitFor(() => target.retired, 5_000, 'the endpoint to be retired');
    const refusals = logs.filter(
      (r) => r.msg === 'closing connection' && r.code === 'TM_ERR_SELF_CONNECTION',
    );
    assert.ok(refusals.length >= 1, 'the self-connection was refused with its code');
    // Retired with no timer pending: dial() returns at once for a retired target, so no retry can happen.
    assert.equal(target.timer, null);
    assert.equal(target.connecting, false);
    assert.equal(logs.filter((r) => r.msg === 'endpoint is this node; not dialling it again').length, 1);
    assert.deepEqual(node.connectedPeers(), []);
  });

  test('a bootstrap node presenting a key other than the pinned one is refused (TM_ERR_BOOTSTRAP_KEY_MISMATCH)', async () => {
    await startNode();
    // The dialler's network file lists the node's endpoint as a bootstrap node, pinned to another key.
    const pinnedWrong = testNetwork(STAKES, {
      nodes: [
        ...STAKES.map((stake, index) => ({ publicKey: testSigner(index).publicKey, stake })),
        { name: 'bootstrap', endpoint: node.endpoint, publicKey: testSigner(7).publicKey, stake: 0 },
      ],
    });
    const dialler = await mesh.start(testKeyPair(1), { network: pinnedWrong, useBootstrap: true });
    const target = internals(dialler)
      .peers.targetList()
      .find((t) => t.url === node.endpoint);
    assert.ok(target, 'the bootstrap endpoint is dialled');
    await waitFor(() => target.lastError === 'TM_ERR_BOOTSTRAP_KEY_MISMATCH', 5_000, 'the pin mismatch');
    // The refused bootstrap node is told why: close 1008 with the code as reason.
    await waitFor(
      () => logs.some((r) => r.msg === 'socket closed' && r.reason === 'TM_ERR_BOOTSTRAP_KEY_MISMATCH'),
      2_000,
      'the bootstrap node to see the close reason',
    );
    const closed = logs.find(
      (r) => r.msg === 'socket closed' && r.reason === 'TM_ERR_BOOTSTRAP_KEY_MISMATCH',
    );
    assert.equal(closed?.wsCode, 1008);
    assert.deepEqual(dialler.connectedPeers(), []);
    assert.deepEqual(node.connectedPeers(), []);
  });

  test('the same bootstrap pin with the right key connects', async () => {
    await startNode();
    const pinnedRight = testNetwork(STAKES, {
      nodes: STAKES.map((stake, index) => ({
        publicKey: testSigner(index).publicKey,
        stake,
        ...(index === 0 ? { endpoint: node.endpoint } : {}),
      })),
    });
    const dialler = await mesh.start(testKeyPair(1), { network: pinnedRight, useBootstrap: true });
    await waitFor(() => dialler.isConnectedTo(node.nodeId), 5_000, 'pinned bootstrap connection');
  });
});
