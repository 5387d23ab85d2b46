// The listening side: an HTTP(S) server whose upgrade path /mesh becomes protocol WebSockets.
// TLS when given a certificate and key (wss://), plain ws:// otherwise (devnet, tests, behind a TLS proxy).
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { listenError } from '../../listen-error.js';
import type { ListenOptions, MeshListener, SocketHandler } from './interface.js';

export type { ListenOptions, MeshListener } from './interface.js';

export const MESH_PATH = '/mesh';
/** How long a new connection may take to send its whole HTTP upgrade request (by default). */
export const UPGRADE_TIMEOUT_MS = 3_000;

export async function listen(options: ListenOptions, onSocket: SocketHandler): Promise<MeshListener> {
  // A socket must finish its HTTP upgrade request quickly: slow or silent ones (slowloris) are cut, and never
  // reach the handshake pool (net/peers/admission.ts).
  const deadlineMs = options.upgradeTimeoutMs ?? UPGRADE_TIMEOUT_MS;
  const timeouts = {
    headersTimeout: deadlineMs,
    requestTimeout: deadlineMs,
    connectionsCheckingInterval: 500,
  };
  const server = options.tls
    ? createHttpsServer({
        cert: options.tls.cert,
        key: options.tls.key,
        // Node's default lets a socket that never starts its TLS handshake be held for two minutes.
        handshakeTimeout: deadlineMs,
        ...timeouts,
      })
    : createHttpServer(timeouts);
  // Node's header timers start at a request's first byte, so a socket that sends nothing would be held (a file
  // descriptor each) for ever: each one gets a deadline from its accept (after TLS) to its request instead.
  const deadlines = new WeakMap<object, NodeJS.Timeout>();
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), deadlineMs);
    deadlines.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  const arrived = (socket: object) => clearTimeout(deadlines.get(socket));
  server.on('upgrade', (_request, socket) => arrived(socket));
  server.on('request', (request, response) => {
    arrived(request.socket);
    // Closed after the answer: a plain request every few seconds must not keep a socket past its deadline.
    response.shouldKeepAlive = false;
    response
      .writeHead(426, { 'content-type': 'text/plain', connection: 'close' })
      .end(`Trust Mesh: connect a WebSocket to ${MESH_PATH}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(error, options.host, options.port)));
    server.listen(options.port, options.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  // Made only once listening: a WebSocketServer re-emits its server's errors, and a failed listen would then
  // surface as an unhandled 'error' event instead of the configuration error above.
  const wss = new WebSocketServer({
    server,
    path: MESH_PATH,
    maxPayload: options.maxFrameBytes,
    perMessageDeflate: false,
    allowSynchronousEvents: false,
  });
  wss.on('connection', onSocket);
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    wss,
    port,
    secure: options.tls !== undefined,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => {
          server.closeAllConnections?.();
          server.close(() => resolve());
        });
      }),
  };
}
