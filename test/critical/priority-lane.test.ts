import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { Connection, DEFAULT_CONNECTION_LIMITS } from '../../src/net/transport/connection.js';
import { waitFor } from '../support/mesh.js';

/** A real WebSocket pair on loopback: frames sent through a Connection arrive, in order, in `received`. */
async function socketPair() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const received: string[] = [];
  const accepted = new Promise<WebSocket>((resolve) =>
    server.on('connection', (socket) => {
      socket.on('message', (data) => received.push(data.toString()));
      resolve(socket);
    }),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await new Promise<void>((resolve) => client.once('open', () => resolve()));
  return {
    connection: new Connection(client, true, 'test', DEFAULT_CONNECTION_LIMITS),
    /** The receiving end, which a test pauses to play a slow reader. */
    receiver: await accepted,
    received,
    close: async () => {
      client.terminate();
      for (const socket of server.clients) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A normal frame the size of a real TRUST_UPDATE (~420 bytes), or of a COMMIT carrying a few votes (~2.5 KB). */
const normal = (i: number, size = 380) =>
  JSON.stringify({ type: 'TRUST_UPDATE', n: i, pad: 'x'.repeat(size) });
const REVOCATION = JSON.stringify({ type: 'REVOCATION', priority: 'CRITICAL' });

describe('critical lane on a connection', () => {
  let pair: Awaited<ReturnType<typeof socketPair>>;
  afterEach(() => pair.close());

  test('with 10,000 normal frames queued, a revocation queued after them is delivered first', async () => {
    pair = await socketPair();
    for (let i = 0; i < 10_000; i++) assert.equal(pair.connection.send(normal(i), 'normal'), true);
    assert.equal(pair.connection.queuedFrames, 10_000);
    pair.connection.send(REVOCATION, 'critical');
    await waitFor(() => pair.received.length === 10_001, 20_000, 'every frame');
    assert.equal(pair.received[0], REVOCATION);
    assert.deepEqual(
      pair.received.slice(1, 4),
      [normal(0), normal(1), normal(2)],
      'normal frames keep their order',
    );
  });

  test('a revocation queued behind a slow reader overtakes everything not yet handed to the socket', async () => {
    pair = await socketPair();
    pair.receiver.pause();
    // Commit-sized frames: 10,000 of them (~25 MB, under the 32 MiB queue bound) outgrow the kernel's loopback
    // buffers, as a slow link would.
    for (let i = 0; i < 10_000; i++) pair.connection.send(normal(i, 2_500), 'normal');
    // The socket takes frames until the kernel buffers fill; the rest must wait in the lane.
    let previous = -1;
    await waitFor(
      () => {
        const settled = pair.connection.queuedFrames === previous;
        previous = pair.connection.queuedFrames;
        return settled;
      },
      5_000,
      'the socket to stop taking frames',
    );
    const stillQueued = pair.connection.queuedFrames;
    assert.ok(stillQueued > 1_000, `a backlog waits in the lane (${stillQueued})`);
    pair.connection.send(REVOCATION, 'critical');
    pair.receiver.resume();
    await waitFor(() => pair.received.length === 10_001, 20_000, 'every frame');
    const position = pair.received.indexOf(REVOCATION);
    assert.ok(
      position <= 10_000 - stillQueued + 1,
      `delivered at ${position}, ahead of ${stillQueued} queued frames`,
    );
  });
});
