// The listening side: an HTTP(S) server whose upgrade path /mesh becomes protocol WebSockets.
// TLS when given a certificate and key (wss://), plain ws:// otherwise (devnet, tests, behind a TLS proxy).
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { TrustMeshError } from '../../core/errors.js';
import type { ListenOptions, MeshListener, SocketHandler } from './interface.js';

export type { ListenOptions, MeshListener } from './interface.js';

export const MESH_PATH = '/mesh';

const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: 'the port is in use',
  EADDRNOTAVAIL: 'the address is not one of this machine',
  EACCES: 'permission denied (ports below 1024 need privileges)',
};

/** A listen failure the operator can fix, as a configuration error naming the address; others pass through. */
export function listenError(error: Error & { code?: string }, host: string, port: number): Error {
  const why = error.code === undefined ? undefined : LISTEN_FAILURES[error.code];
  if (why === undefined) return error;
  return new TrustMeshError(
    'TM_ERR_CONFIG_INVALID',
    `cannot listen on ${host}:${port}: ${why} (${error.code})`,
    { listen: { host, port, code: error.code } },
  );
}

export async function listen(options: ListenOptions, onSocket: SocketHandler): Promise<MeshListener> {
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key })
    : createHttpServer();
  server.on('request', (_request, response) => {
    response
      .writeHead(426, { 'content-type': 'text/plain' })
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
