// One WebSocket to one peer: two outbound lanes (critical before normal), bounded queues and write backpressure.
// It moves text frames and knows nothing of the protocol; peers/ decides what the frames mean.
import type { WebSocket } from 'ws';
import type { ErrorCode } from '../../core/errors.js';
import type { Lane } from '../../core/messages/registry.js';
import { Fifo } from '../fifo.js';
import type { CloseListener, ConnectionLimits, ConnectionStats } from './interface.js';

export type { CloseListener, ConnectionLimits, ConnectionStats } from './interface.js';

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxQueuedFrames: 65_536,
  maxQueuedBytes: 32 * 1024 * 1024,
  highWaterBytes: 256 * 1024,
};

/**
 * The TCP stream under a ws socket. ws keeps it as `_socket` (its own sender corks it the same way for a frame's
 * header and body) and offers no public accessor; without it frames are simply written one by one.
 */
function underlyingStream(socket: WebSocket): { cork(): void; uncork(): void } | undefined {
  const stream = (socket as unknown as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
  return typeof stream?.cork === 'function' && typeof stream.uncork === 'function'
    ? (stream as { cork(): void; uncork(): void })
    : undefined;
}

/** One lane: a FIFO of frames that also counts the bytes waiting in it. */
class FrameQueue {
  private readonly frames = new Fifo<string>();
  bytes = 0;

  push(frame: string): void {
    this.frames.push(frame);
    this.bytes += frame.length;
  }

  shift(): string | undefined {
    const frame = this.frames.shift();
    if (frame !== undefined) this.bytes -= frame.length;
    return frame;
  }

  get length(): number {
    return this.frames.length;
  }

  clear(): void {
    this.frames.clear();
    this.bytes = 0;
  }
}

export class Connection {
  readonly stats: ConnectionStats = {
    framesSent: 0,
    framesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    duplicateFrames: 0,
  };
  private readonly lanes: Record<Lane, FrameQueue> = { critical: new FrameQueue(), normal: new FrameQueue() };
  private inFlightBytes = 0;
  private flushScheduled = false;
  private closed = false;
  private closeCode: ErrorCode | null = null;

  constructor(
    readonly socket: WebSocket,
    readonly outbound: boolean,
    readonly remoteAddress: string,
    private readonly limits: ConnectionLimits,
    private readonly onGiveUp: CloseListener = () => {},
  ) {}

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === this.socket.OPEN;
  }

  get queuedFrames(): number {
    return this.lanes.critical.length + this.lanes.normal.length;
  }

  /**
   * Queues a frame. Frames go out when the current synchronous work ends, critical lane first, so anything
   * queued together is ordered by lane. Returns false (and drops the peer) when its queue is full.
   */
  send(frame: string, lane: Lane): boolean {
    if (this.closed) return false;
    const queued = this.queuedFrames;
    if (
      queued >= this.limits.maxQueuedFrames ||
      this.lanes.critical.bytes + this.lanes.normal.bytes > this.limits.maxQueuedBytes
    ) {
      const detail = `${queued} frames queued`;
      this.close('TM_ERR_BACKPRESSURE', detail);
      this.onGiveUp('TM_ERR_BACKPRESSURE', detail);
      return false;
    }
    this.lanes[lane].push(frame);
    this.scheduleFlush();
    return true;
  }

  /**
   * Flushes once the current synchronous work is done (a microtask): after the storage transaction that
   * produced the frames has committed, and with every frame of this turn already sorted into its lane.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    // Corked, every frame of this flush leaves in one writev: each write on its own is a system call, and on
    // loopback the kernel runs the receiving side's network stack inside it.
    const stream = underlyingStream(this.socket);
    stream?.cork();
    try {
      while (this.isOpen && this.inFlightBytes < this.limits.highWaterBytes) {
        const frame = this.lanes.critical.shift() ?? this.lanes.normal.shift();
        if (frame === undefined) return;
        const size = Buffer.byteLength(frame);
        this.inFlightBytes += size;
        this.stats.framesSent++;
        this.stats.bytesSent += size;
        this.socket.send(frame, (error) => {
          this.inFlightBytes -= size;
          if (error) return;
          if (this.queuedFrames > 0) this.scheduleFlush();
        });
      }
    } finally {
      stream?.uncork();
    }
  }

  /** Closes with a policy code (ws code 1008) carrying the error code as its reason; idempotent. */
  close(code: ErrorCode | null, _detail = ''): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    // Nothing queued is sent after a close: release it now rather than when the session is collected.
    this.lanes.critical.clear();
    this.lanes.normal.clear();
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      try {
        if (code === null) this.socket.close(1001, 'going away');
        else this.socket.close(1008, code);
      } catch {
        this.socket.terminate();
      }
      // A peer that never answers the close frame must not hold the socket open.
      setTimeout(() => this.socket.terminate(), 2_000).unref();
    }
  }

  get closedWith(): ErrorCode | null {
    return this.closeCode;
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
