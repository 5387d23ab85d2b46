// What net/transport owns: moving text frames over WebSockets — one Connection per peer (two outbound lanes,
// bounded queues, write backpressure), the /mesh listener, and the timing of dial retries. No protocol here.
import type { IncomingMessage, Server } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import type { ErrorCode } from '../../core/errors.js';

export interface ConnectionLimits {
  /** Frames waiting in both lanes before the peer counts as not reading and is dropped. */
  readonly maxQueuedFrames: number;
  readonly maxQueuedBytes: number;
  /** Bytes handed to the socket but not yet written; above it, frames wait in our lanes where critical can jump. */
  readonly highWaterBytes: number;
}

/** Plain counters per connection; the peers layer counts what it reads, the connection what it writes. */
export interface ConnectionStats {
  framesSent: number;
  framesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Frames dropped unparsed because the node's frame filter recognised them (byte-identical duplicates). */
  duplicateFrames: number;
}

/** Told when the connection closes itself (a peer not reading), so its owner can drop the peer at once. */
export type CloseListener = (code: ErrorCode, detail: string) => void;

/** One endpoint the node keeps trying to hold a connection to (configured peers and bootstrap nodes). */
export interface DialTarget {
  readonly url: string;
  /** Key the network file pins for this endpoint, if any. */
  readonly pinnedKey?: string | undefined;
  /** Node id learned from the last successful handshake with this endpoint. */
  nodeId?: string;
  attempt: number;
  timer: NodeJS.Timeout | null;
  connecting: boolean;
  /** Set when the endpoint turned out to be this node itself: never dial it again. */
  retired: boolean;
  /** Dialled once for discovery (a lookup, an outbound slot): never redialled, never kept in the target list. */
  oneShot?: boolean;
  /** A one-shot dial that ended without an established session (refused, unreachable, handshake failed). */
  oneShotFailed?: () => void;
  lastError?: ErrorCode | string;
  /** When a failure to reach it was last logged at warn level, and since when it has been failing. */
  warnedAt?: number;
  failingSince?: number | undefined;
}

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly maxFrameBytes: number;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer } | undefined;
  /** From accept (and TLS) to the whole upgrade request at most; UPGRADE_TIMEOUT_MS unless given. */
  readonly upgradeTimeoutMs?: number;
}

export interface MeshListener {
  readonly server: Server;
  readonly wss: WebSocketServer;
  readonly port: number;
  readonly secure: boolean;
  close(): Promise<void>;
}

/** Called for every WebSocket accepted on the /mesh path. */
export type SocketHandler = (socket: WebSocket, request: IncomingMessage) => void;
