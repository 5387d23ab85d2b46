// Frames a Connection flushes together leave in one write to the TCP stream, not one write each, and still
// arrive whole and in order. Real sockets on 127.0.0.1; the stream's own write hooks are counted.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { Connection, DEFAULT_CONNECTION_LIMITS } from '../../src/net/transport/connection.js';
import { waitFor } from '../support/mesh.js';

describe('Connection batching', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test('forty frames queued in one turn reach the stream in one write, in order', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    cleanups.push(() => new Promise((resolve) => wss.close(resolve)));
    await once(wss, 'listening');
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, {
      perMessageDeflate: false,
    });
    cleanups.push(() => client.terminate());
    const texts: string[] = [];
    client.on('message', (data) => texts.push(data.toString()));
    const [[server]] = (await Promise.all([once(wss, 'connection'), once(client, 'open')])) as unknown as [
      [WebSocket],
    ];
    cleanups.push(() => server.terminate());

    // Node's Writable calls the stream's _write or _writev once per system-level write it hands down.
    const stream = (server as unknown as { _socket: Socket & Record<string, unknown> })._socket;
    let writes = 0;
    for (const hook of ['_write', '_writev'] as const) {
      const original = stream[hook] as ((...args: unknown[]) => void) | undefined;
      if (typeof original !== 'function') continue;
      stream[hook] = (...args: unknown[]) => {
        writes++;
        original.apply(stream, args);
      };
    }

    const connection = new Connection(server, false, 'test', DEFAULT_CONNECTION_LIMITS);
    const sent = Array.from({ length: 40 }, (_, i) => `frame-${i}-${'x'.repeat(300)}`);
    for (const frame of sent) connection.send(frame, 'normal');
    await waitFor(() => texts.length === sent.length, 2_000, 'every frame');
    assert.deepEqual(texts, sent);
    assert.ok(writes >= 1 && writes <= 2, `${writes} writes to the stream for ${sent.length} frames`);
    assert.equal(connection.stats.framesSent, sent.length);
  });
});
