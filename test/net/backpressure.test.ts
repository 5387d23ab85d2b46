// Acceptance tests of send backpressure (issue #2, item 6): a peer that stops reading fills a bounded queue,
// is dropped with TM_ERR_BACKPRESSURE, and what the node holds for it never grows past the configured limits.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { WebSocket, WebSocketServer } from 'ws';
import type { ErrorCode } from '../../src/core/errors.js';
import { Connection, type ConnectionLimits } from '../../src/net/transport/connection.js';
import { internals } from '../../src/node/internals.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { captureLogger, RawPeer, TestMesh, waitFor } from '../support/mesh.js';

const WARN = 40;

describe('backpressure: a peer that does not read is dropped, memory stays bounded', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test('a Connection sends critical frames first and closes itself when its queue is full', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise((resolve) => wss.close(resolve)));
    await once(wss, 'listening');
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    cleanups.push(() => client.terminate());
    const texts: string[] = [];
    client.on('message', (data) => texts.push(data.toString()));
    let closed: { code: number; reason: string } | null = null;
    client.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
    const [[server]] = (await Promise.all([once(wss, 'connection'), once(client, 'open')])) as unknown as [
      [WebSocket],
    ];
    cleanups.push(() => server.terminate());
    const limits: ConnectionLimits = {
      maxQueuedFrames: 50,
      maxQueuedBytes: 4 * 1024 * 1024,
      highWaterBytes: 64 * 1024,
    };
    const gaveUp: Array<[ErrorCode, string]> = [];
    const connection = new Connection(server, false, 'test', limits, (code, detail) =>
      gaveUp.push([code, detail]),
    );

    // Frames queued in one turn leave critical lane first.
    connection.send('normal-1', 'normal');
    connection.send('normal-2', 'normal');
    connection.send('critical-1', 'critical');
    await waitFor(() => texts.length === 3, 2_000, 'three frames');
    assert.deepEqual(texts, ['critical-1', 'normal-1', 'normal-2']);

    // The client stops reading: the kernel buffers fill, then highWaterBytes, then the lanes, then it is dropped.
    client.pause();
    const frame = 'y'.repeat(16 * 1024);
    let accepted = 0;
    let mostQueued = 0;
    let mostBuffered = 0;
    while (connection.send(frame, 'normal')) {
      accepted++;
      mostQueued = Math.max(mostQueued, connection.queuedFrames);
      mostBuffered = Math.max(mostBuffered, server.bufferedAmount);
      if (accepted % 8 === 0) await turn();
      assert.ok(accepted < 100_000, 'the queue never filled');
    }
    assert.equal(mostQueued, limits.maxQueuedFrames);
    assert.ok(mostBuffered <= limits.highWaterBytes + frame.length, `buffered ${mostBuffered}`);
    assert.equal(connection.closedWith, 'TM_ERR_BACKPRESSURE');
    assert.deepEqual(gaveUp, [['TM_ERR_BACKPRESSURE', `${limits.maxQueuedFrames} frames queued`]]);
    assert.equal(connection.queuedFrames, 0, 'the queue is released on close');
    assert.equal(connection.send('late', 'critical'), false);

    // Once it reads again it gets what was already written, then the close with the code as reason.
    client.resume();
    await waitFor(() => closed !== null, 5_000, 'the client to read the close');
    assert.deepEqual(closed, { code: 1008, reason: 'TM_ERR_BACKPRESSURE' });
    assert.ok(texts.length - 3 <= accepted);
  });

  test('a node drops a paused peer with TM_ERR_BACKPRESSURE and keeps serving the others', async () => {
    // The node floods alerts of its own: lift the per-origin critical budget, which is not what is tested here.
    const mesh = new TestMesh(testNetwork([10, 10, 10], {}, { criticalRateLimitPerMinute: 1_000_000 }));
    cleanups.push(() => mesh.cleanup());
    const limits: ConnectionLimits = {
      maxQueuedFrames: 100,
      maxQueuedBytes: 8 * 1024 * 1024,
      highWaterBytes: 256 * 1024,
    };
    const { logger, records } = captureLogger();
    const node = await mesh.start(testKeyPair(0), { connectionLimits: limits }, { logger });
    const reader = await mesh.start(testKeyPair(1));
    await mesh.link(reader, node);
    const slow = await RawPeer.connect(node.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await slow.handshake();
    await waitFor(() => node.isConnectedTo(slow.signer.nodeId), 2_000, 'slow peer established');
    const disconnects: Array<[string, ErrorCode | null]> = [];
    node.on('peer:disconnected', (peer, code) => disconnects.push([peer, code]));
    let readerGot = 0;
    reader.on('message', (message) => {
      if (message.type === 'SECURITY_ALERT') readerGot++;
    });

    slow.socket.pause();
    const session = internals(node).peers.session(slow.signer.nodeId)!;
    const blob = 'x'.repeat(40 * 1024);
    let sent = 0;
    let mostQueued = 0;
    let mostBuffered = 0;
    /** Sends made to a connection already closed while its peer still counted as connected. */
    let sentToClosed = 0;
    while (node.isConnectedTo(slow.signer.nodeId) && sent < 5_000) {
      if (session.connection.isClosed) sentToClosed++;
      node.alert({
        severity: 'info',
        subject: { kind: 'network', id: 'test-net' },
        summary: `flood ${sent}`,
        evidence: [{ blob }],
      });
      sent++;
      mostQueued = Math.max(mostQueued, session.connection.queuedFrames);
      mostBuffered = Math.max(mostBuffered, session.connection.socket.bufferedAmount);
      if (sent % 10 === 0) await turn();
    }
    assert.equal(node.isConnectedTo(slow.signer.nodeId), false, `still connected after ${sent} frames`);
    assert.equal(sentToClosed, 0, 'the peer is dropped the moment its queue overflows');
    assert.equal(session.state, 'closed');
    await waitFor(() => disconnects.length > 0, 2_000, 'peer:disconnected');
    assert.deepEqual(disconnects, [[slow.signer.nodeId, 'TM_ERR_BACKPRESSURE']]);
    assert.ok(
      records.some(
        (r) => r.msg === 'closing connection' && r.code === 'TM_ERR_BACKPRESSURE' && r.level >= WARN,
      ),
      'the drop is logged with its code',
    );
    // Bounded: at most maxQueuedFrames in our lanes, and about highWaterBytes handed to the socket.
    assert.equal(
      mostQueued,
      limits.maxQueuedFrames,
      'frames waited in our lanes up to the limit, no further',
    );
    const frameBytes = blob.length + 2_048;
    assert.ok(mostBuffered <= limits.highWaterBytes + frameBytes, `buffered ${mostBuffered}`);
    assert.equal(session.connection.queuedFrames, 0, 'the dropped peer’s queue is released');

    // The reader kept up and got every alert; it is still connected.
    await waitFor(() => readerGot === sent, 10_000, `the reader to get all ${sent} alerts`);
    assert.ok(node.isConnectedTo(reader.nodeId));
  });
});
