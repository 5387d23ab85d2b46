// The heartbeat: a peer silent for three intervals is dropped with TM_ERR_PEER_TIMEOUT, while peers that answer the
// node's PINGs stay connected over the same period; on a link the dialler keeps alive, the other side stays quiet.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
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

describe('heartbeat: the dialling side keeps an idle link alive', () => {
  // Long enough an interval that the dialler below, pinging four times as often, cannot look silent for 1.5 of
  // them unless this process stalls for over half a second.
  const INTERVAL_MS = 400;
  const mesh = new TestMesh(testNetwork([10, 10], {}, { heartbeatMs: INTERVAL_MS }));
  after(() => mesh.cleanup());

  test('the accepting node pings a dialler that pings it only to time the round trip, and answers every PING', async () => {
    const node = await mesh.start(testKeyPair(0));
    const dialler = await RawPeer.connect(node.endpoint, testKeyPair(1), mesh.network.networkId, mesh);
    dialler.socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; timestamp?: string };
      if (message.type === 'PING') dialler.sendJson({ type: 'PONG', timestamp: message.timestamp });
    });
    const since = Date.now();
    await dialler.handshake();
    await waitFor(() => node.isConnectedTo(dialler.signer.nodeId), 2_000, 'established');
    const count = (type: string) => dialler.received.filter((m) => m.type === type).length;
    let sent = 0;
    const keepAlive = setInterval(() => {
      dialler.sendJson({ type: 'PING', timestamp: new Date().toISOString() });
      sent++;
    }, INTERVAL_MS / 4);
    try {
      await sleep(6 * INTERVAL_MS);
    } finally {
      clearInterval(keepAlive);
    }
    await waitFor(() => count('PONG') >= sent, 2_000, 'every PING answered');
    const elapsed = Date.now() - since;
    // Once on its first beat, then once every 10 intervals: the round trip, never the link's liveness.
    const allowed = 1 + Math.floor(elapsed / (10 * INTERVAL_MS));
    assert.ok(count('PING') >= 1, 'the node timed the round trip');
    assert.ok(
      count('PING') <= allowed,
      `${count('PING')} PINGs from the node in ${elapsed} ms (at most ${allowed})`,
    );
    assert.equal(typeof internals(node).peers.session(dialler.signer.nodeId)?.rttMs, 'number');
    assert.ok(node.isConnectedTo(dialler.signer.nodeId));
  });
});
