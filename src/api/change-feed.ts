// One client's Server-Sent Events feed of ledger changes, keyed by the store's seq so it can resume exactly.
// The store is the only source: node events merely wake the feed, which then reads everything after its cursor —
// so replay and live delivery are one loop, and nothing is skipped or sent twice when one turns into the other.
import type { LedgerEntry } from '../core/messages/schemas.js';
import type { TrustMeshNode } from '../node/node.js';
import type { StreamEvent } from './schemas.js';

/** Entries read per store round trip; the feed yields to the event loop between pages. */
export const FEED_PAGE = 256;
export interface FeedTiming {
  /** Milliseconds between heartbeat comments (each also re-reads the store). */
  readonly heartbeatMs: number;
  /** What a client should wait before reconnecting, sent as the SSE `retry:` field. */
  readonly retryMs: number;
}

/** Where a feed writes: `write` returns false when the socket's buffer is full (wait for 'drain'). */
export interface FeedSink {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  readonly writable: boolean;
}

const EVENT_NAMES: Record<LedgerEntry['type'], string> = {
  COMMIT: 'commit',
  REVOCATION: 'revocation',
  KEY_ROTATION: 'key-rotation',
  SECURITY_ALERT: 'security-alert',
  BLACKLIST: 'blacklist',
};

/** The summary a client acts on; the signed entry rides along so it can verify it independently. */
export function streamEventOf(seq: number, entry: LedgerEntry): StreamEvent {
  const base = { seq, type: entry.type, id: entry.id, timestamp: entry.timestamp, origin: entry.origin };
  switch (entry.type) {
    case 'COMMIT': {
      const { update } = entry;
      return {
        ...base,
        updateId: update.id,
        timestamp: update.timestamp,
        origin: update.origin,
        agentId: update.payload.agentId,
        principalId: update.payload.principalId,
        trustScore: update.payload.trustScore,
        event: update.payload.event,
        entry,
      };
    }
    case 'REVOCATION':
      return {
        ...base,
        agentId: entry.payload.agentId,
        principalId: entry.payload.principalId,
        reason: entry.payload.reason,
        entry,
      };
    case 'SECURITY_ALERT':
      return { ...base, severity: entry.severity, subject: entry.subject, summary: entry.summary, entry };
    case 'KEY_ROTATION':
      return { ...base, newNodeId: entry.newNodeId, entry };
    case 'BLACKLIST':
      return { ...base, offender: entry.offender, reason: entry.reason, entry };
  }
}

export function formatEvent(seq: number, entry: LedgerEntry): string {
  return `id: ${seq}\nevent: ${EVENT_NAMES[entry.type]}\ndata: ${JSON.stringify(streamEventOf(seq, entry))}\n\n`;
}

export class ChangeFeed {
  private pumping = false;
  private again = false;
  private closed = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly wake = () => this.pump();

  constructor(
    private readonly node: TrustMeshNode,
    /** The last seq the client has; the feed sends everything after it. */
    private cursor: number,
    private readonly sink: FeedSink,
    private readonly timing: FeedTiming,
    private readonly onEnd: () => void,
  ) {}

  get position(): number {
    return this.cursor;
  }

  start(): void {
    // Listen before the first read, so whatever is stored while replaying wakes the feed again.
    this.node.on('committed', this.wake);
    this.node.on('critical', this.wake);
    this.sink.write(`retry: ${this.timing.retryMs}\n: trust-mesh change stream after seq ${this.cursor}\n\n`);
    // Each beat also reads the store, catching anything stored without an event (none today, but cheap).
    this.heartbeat = setInterval(() => {
      if (this.sink.writable) this.sink.write(': heartbeat\n\n');
      this.pump();
    }, this.timing.heartbeatMs);
    this.pump();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.node.off('committed', this.wake);
    this.node.off('critical', this.wake);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.onEnd();
  }

  /** Sends every entry after the cursor, a page at a time; calls made meanwhile just ask for one more pass. */
  private pump(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.again = false;
    let page: ReturnType<TrustMeshNode['store']['entriesSince']>;
    try {
      page = this.node.store.entriesSince(this.cursor, FEED_PAGE);
    } catch {
      // The node stopped under us: end the stream; the client resumes elsewhere with its Last-Event-ID.
      this.close();
      return;
    }
    let room = true;
    for (const { seq, entry } of page) {
      if (!this.sink.writable) {
        this.close();
        return;
      }
      room = this.sink.write(formatEvent(seq, entry));
      this.cursor = seq;
    }
    const more = page.length === FEED_PAGE || this.again;
    const resume = () => {
      this.pumping = false;
      if (more || this.again) this.pump();
    };
    if (!room) this.sink.once('drain', resume);
    else if (more) setImmediate(resume);
    else this.pumping = false;
  }
}
