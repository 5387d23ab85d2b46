// Acceptance test of the heartbeat (issue #2, item 5): a peer silent for three intervals is dropped with
// TM_ERR_PEER_TIMEOUT, while peers that answer the node's PINGs stay connected over the same period.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ErrorCode } from '../../src/core/errors.js';
import { internals } from '../../src/node/internals.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

const HEARTBEAT_MS = 150;

describe('heartbeat: PING every interval, silent peers dropped after three', () => {
  const mesh = new TestMesh(testNetwork([10, 10, 10, 10], {}, { heartbeatMs: HEARTBEAT_MS }));
  after(() => mesh.cleanup());

  test('a silent peer is dropped (TM_ERR_PEER_TIMEOUT); an answering peer and a real node are not', async () => {
    const node = await mesh.start(testKeyPair(0));
    const neighbour = await mesh.start(testKeyPair(1));
    await mesh.link(neighbour, node);
    const disconnects: Array<[string, ErrorCode | null]> = [];
    node.on('peer:disconnected', (peer, code) => disconnects.push([peer, code]));

    // Both raw peers complete the handshake; one then never sends again, the other answers every PING.
    const silent = await RawPeer.connect(node.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    const answering = await RawPeer.connect(node.endpoint, testKeyPair(3), mesh.network.networkId, mesh);
    answering.socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; timestamp?: string };
      if (message.type === 'PING') answering.sendJson({ type: 'PONG', timestamp: message.timestamp });
    });
    // Taken before the handshake: the silent peer's last frame (its ACK) leaves after this, so the silence measured
    // from here is never shorter than the real one, however late a loaded machine resumes this test.
    const silentSince = Date.now();
    await Promise.all([silent.handshake(), answering.handshake()]);
    await waitFor(
      () => node.isConnectedTo(silent.signer.nodeId) && node.isConnectedTo(answering.signer.nodeId),
      2_000,
      'both raw peers established',
    );

    const closed = await silent.waitForClose(10 * HEARTBEAT_MS + 2_000);
    const silentFor = Date.now() - silentSince;
    assert.deepEqual(closed, { code: 1008, reason: 'TM_ERR_PEER_TIMEOUT' });
    assert.ok(silentFor >= 3 * HEARTBEAT_MS, `dropped after ${silentFor} ms, before three intervals`);
    const pings = (peer: RawPeer) => peer.received.filter((m) => m.type === 'PING').length;
    assert.ok(pings(silent) >= 2, 'the node pinged it before giving up');
    await waitFor(() => disconnects.length > 0, 2_000, 'peer:disconnected');
    assert.deepEqual(disconnects, [[silent.signer.nodeId, 'TM_ERR_PEER_TIMEOUT']]);

    // Keep watching for four more intervals — past the three that dropped the silent peer.
    const pingsAtDrop = pings(answering);
    await waitFor(() => pings(answering) >= pingsAtDrop + 4, 20 * HEARTBEAT_MS, 'four more PINGs');
    assert.equal(answering.closed, false);
    assert.ok(node.isConnectedTo(answering.signer.nodeId));
    assert.ok(node.isConnectedTo(neighbour.nodeId));
    assert.ok(neighbour.isConnectedTo(node.nodeId));
    assert.equal(
      typeof internals(node).peers.session(answering.signer.nodeId)?.rttMs,
      'number',
      'its PONGs were read',
    );
    assert.equal(
      typeof internals(node).peers.session(neighbour.nodeId)?.rttMs,
      'number',
      'so were the neighbour’s',
    );
    assert.deepEqual(disconnects, [[silent.signer.nodeId, 'TM_ERR_PEER_TIMEOUT']], 'nobody else was dropped');
  });
});
