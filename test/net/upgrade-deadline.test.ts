// The mesh listener's deadline from accept to upgrade request: a TCP socket that never sends a byte is closed by
// the listener (Node's own header timeout only starts at the first byte), over ws:// and wss:// alike.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { WebSocket } from 'ws';
import { listen, type MeshListener } from '../../src/net/transport/server.js';
import { selfSigned } from '../support/certs.js';

const DEADLINE_MS = 200;

/** A self-signed certificate for 127.0.0.1, from a temp dir removed at once. */
function certificate(): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'tm-upgrade-'));
  try {
    return selfSigned(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the mesh listener closes sockets that send nothing', { timeout: 10_000 }, () => {
  let listener: MeshListener | null = null;
  const sockets: Array<Socket | WebSocket> = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) {
      if (socket instanceof WebSocket) socket.terminate();
      else socket.destroy();
    }
    await listener?.close();
    listener = null;
  });

  /** Opens a raw TCP socket that sends nothing; resolves with how long it stayed open. */
  function silent(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      const started = performance.now();
      socket.on('error', reject).once('close', () => resolve(performance.now() - started));
    });
  }

  /** A TLS socket that completes its handshake, then sends nothing; resolves with how long it stayed open after. */
  function silentAfterTls(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      let secured = 0;
      const socket = connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
        secured = performance.now();
      });
      sockets.push(socket);
      socket.on('error', reject).once('close', () => {
        if (secured === 0) reject(new Error('closed before its TLS handshake completed'));
        else resolve(performance.now() - secured);
      });
    });
  }

  const withinDeadline = (openFor: number) => {
    assert.ok(openFor >= DEADLINE_MS - 20, `closed after ${Math.round(openFor)} ms, not before the deadline`);
    assert.ok(openFor < DEADLINE_MS + 1_000, `closed after ${Math.round(openFor)} ms, at the deadline`);
  };

  for (const secure of [false, true]) {
    test(`${secure ? 'wss' : 'ws'}: a silent socket is closed at the deadline; an upgraded one is kept`, async () => {
      listener = await listen(
        {
          host: '127.0.0.1',
          port: 0,
          maxFrameBytes: 65_536,
          upgradeTimeoutMs: DEADLINE_MS,
          ...(secure ? { tls: certificate() } : {}),
        },
        () => {},
      );
      const ws = new WebSocket(`${secure ? 'wss' : 'ws'}://127.0.0.1:${listener.port}/mesh`, {
        rejectUnauthorized: false,
      });
      sockets.push(ws);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      // Opened after the WebSocket: by the time it is closed, the WebSocket's own deadline has passed too.
      withinDeadline(await silent(listener.port));
      // Over wss:// the silent socket above is cut by the TLS handshake timeout; this one completes TLS first.
      if (secure) withinDeadline(await silentAfterTls(listener.port));
      assert.equal(ws.readyState, WebSocket.OPEN, 'an upgraded socket is not cut by the deadline');
    });
  }

  test('a plain HTTP request is answered 426 and its connection closed, not kept alive past the deadline', async () => {
    listener = await listen(
      { host: '127.0.0.1', port: 0, maxFrameBytes: 65_536, upgradeTimeoutMs: 60_000 },
      () => {},
    );
    const socket = connect(listener.port, '127.0.0.1');
    sockets.push(socket);
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    const asked = performance.now();
    await new Promise((resolve) => socket.once('close', resolve));
    assert.match(answer, /^HTTP\/1\.1 426/);
    // Kept alive it would stay open for Node's keep-alive timeout (5 s), and each request would start it again.
    const openFor = performance.now() - asked;
    assert.ok(openFor < 1_000, `closed ${Math.round(openFor)} ms after the request`);
  });
});
