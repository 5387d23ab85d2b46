// Read backpressure per connection: a peer's socket stops being read while too much of its input waits to be
// handled, and is read again once half of it is done. The node reports what it takes and what it finishes.
import type { PeerSession } from './peers/peer-manager.js';

export interface ReadBudgetLimits {
  /** Messages of one peer waiting to be handled before its socket is paused. */
  readonly maxQueued: number;
  readonly maxBytes: number;
}

export const DEFAULT_READ_BUDGET: ReadBudgetLimits = { maxQueued: 4_096, maxBytes: 4 * 1024 * 1024 };

export class ReadBudget {
  constructor(private readonly limits: ReadBudgetLimits = DEFAULT_READ_BUDGET) {}

  /** A message of `bytes` from this peer now waits to be handled. */
  take(session: PeerSession, bytes: number): void {
    session.inboundQueued++;
    session.inboundBytes += bytes;
    const { socket } = session.connection;
    const over = session.inboundQueued > this.limits.maxQueued || session.inboundBytes > this.limits.maxBytes;
    if (over && !socket.isPaused) socket.pause();
  }

  /** A message taken earlier has been handled (or dropped). */
  release(session: PeerSession, bytes: number): void {
    session.inboundQueued--;
    session.inboundBytes -= bytes;
    const { socket } = session.connection;
    const below =
      session.inboundQueued < this.limits.maxQueued / 2 && session.inboundBytes < this.limits.maxBytes / 2;
    if (socket.isPaused && below) socket.resume();
  }
}
