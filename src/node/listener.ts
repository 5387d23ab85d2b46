// A node's mesh listener, opened before the node exists: data-dir lock, listen, endpoint. Sockets that arrive
// before the node is built are held and handed over by release(), so none is lost during start-up.
import { mkdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { listen, MESH_PATH, type MeshListener } from '../net/transport/server.js';
import { lockDataDir } from './data-dir-lock.js';
import type { NodeOptions } from './types.js';

export interface OpenedListener {
  readonly listener: MeshListener;
  /** What peers dial: ws:// or wss://, the advertised host, the bound port, /mesh. */
  readonly endpoint: string;
  readonly unlock: () => void;
  /** Hands the sockets held so far to the handler, and every later one straight away. */
  release(): void;
  /** Undoes it all (the node could not be built). */
  close(): Promise<void>;
}

type SocketHandler = (socket: WebSocket, request: IncomingMessage) => void;

export async function openListener(options: NodeOptions, handler: SocketHandler): Promise<OpenedListener> {
  const host = options.host ?? '127.0.0.1';
  // The data directory first: a second copy of a running node must be told so, not that its port is taken.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const unlock = lockDataDir(options.dataDir);
  let held: Array<[WebSocket, IncomingMessage]> | null = [];
  let listener: MeshListener;
  try {
    listener = await listen(
      {
        host,
        port: options.port ?? 8080,
        maxFrameBytes: options.network.params.maxFrameBytes,
        tls: options.tls,
      },
      (socket, request) => (held === null ? handler(socket, request) : held.push([socket, request])),
    );
  } catch (error) {
    unlock();
    throw error;
  }
  const advertised = options.advertiseHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  const scheme = options.tls ? 'wss' : 'ws';
  const bracketed = advertised.includes(':') ? `[${advertised}]` : advertised;
  return {
    listener,
    endpoint: `${scheme}://${bracketed}:${listener.port}${MESH_PATH}`,
    unlock,
    release() {
      const waiting = held ?? [];
      held = null;
      for (const [socket, request] of waiting) handler(socket, request);
    },
    async close() {
      await listener.close();
      unlock();
    },
  };
}
