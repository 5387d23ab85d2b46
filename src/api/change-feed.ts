// One client's Server-Sent Events feed of ledger changes, keyed by the store's seq so it can resume exactly.
// The store is the only source: wake-ups (from the StreamHub) merely make the feed read everything after its
// cursor, so replay and live delivery are one loop and nothing is skipped or sent twice between the two.
import type { LedgerEntry } from '../core/messages/schemas.js';
import type { StreamEvent } from './schemas.js';

/** Entries read per store round trip; the feed yields to the event loop between pages. */
export const FEED_PAGE = 256;

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

export function formatReady(seq: number, nodeId: string): string {
  return `id: ${seq}\nevent: ready\ndata: ${JSON.stringify({ seq, nodeId })}\n\n`;
}

/** Where a feed reads: the ledger's entries after a seq, a page at a time (the node's store). */
export interface FeedLedger {
  entriesSince(seq: number, limit: number): Array<{ seq: number; entry: LedgerEntry }>;
}

export class ChangeFeed {
  private pumping = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly ledger: FeedLedger,
    /** The last seq the client has; the feed sends everything after it. */
    private cursor: number,
    private readonly sink: FeedSink,
    private readonly onEnd: () => void,
  ) {}

  get position(): number {
    return this.cursor;
  }

  /**
   * Opens the stream with the reconnect delay and a `ready` event whose `id:` is the cursor, so a client (an
   * EventSource too) knows where to resume even if the connection drops before any change; then catches up.
   * Register the feed for wake-ups first, so whatever is stored during the first read wakes it again.
   */
  start(retryMs: number, nodeId: string): void {
    this.sink.write(`retry: ${retryMs}\n${formatReady(this.cursor, nodeId)}`);
    this.pump();
  }

  /** Something was stored: send what is new. */
  wake(): void {
    this.pump();
  }

  /** A heartbeat comment keeps proxies from closing an idle stream; the beat also re-reads the store. */
  beat(): void {
    if (this.sink.writable) this.sink.write(': heartbeat\n\n');
    this.pump();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
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
    let page: ReturnType<FeedLedger['entriesSince']>;
    try {
      page = this.ledger.entriesSince(this.cursor, FEED_PAGE);
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
