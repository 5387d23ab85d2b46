// Per-connection budgets for what a peer may send us: relayed gossip, link messages (PING, QUERY, FIND_NODE)
// and sync requests, counted in frames, plus bytes for all. A frame over budget is dropped before any work.

import { MESSAGE_INFO } from '../core/messages/registry.js';
import type { Message } from '../core/messages/schemas.js';
import { type BucketLimits, TokenBuckets } from '../core/scoring/token-bucket.js';

export interface LinkBudgetLimits {
  /** Every text frame of an established link, before it is even parsed. */
  readonly frames: BucketLimits;
  readonly relay: BucketLimits;
  readonly link: BucketLimits;
  readonly sync: BucketLimits;
  /** Bytes of every kind, per minute and burst. */
  readonly bytes: BucketLimits;
}

/**
 * Why these numbers: an honest neighbour relays, per committed update, about one TRUST_UPDATE, one COMMIT and a
 * few VOTEs — under 5 frames. 2,000 relayed frames/s is 5× what a mesh committing 100 updates/s asks of one
 * link, with a 4,000-frame burst for the backlog a reconnect or sync flushes at once. Link messages are
 * answered work (QUERY, FIND_NODE): 100/s covers a light node's lookups and heartbeats many times over. Sync
 * requests are paged by the requester at a few per round trip: 500/s. 10 MB/s covers COMMITs of ~16 kB at
 * 100/s with 6× room. Every frame, before it is parsed, also spends the frame budget: the sum of the three
 * (2,600/s, burst 5,300), so no honest link meets it, but frames that never reach the others (unknown types,
 * byte-identical duplicates, PINGs) are bounded too; bytes are counted there, for every frame. PING and PONG
 * spend the link budget as well. A peer over budget is scored down (see core/scoring/peer-score.ts).
 */
export const DEFAULT_LINK_BUDGET: LinkBudgetLimits = {
  frames: { perMinute: 156_000, burst: 5_300 },
  relay: { perMinute: 120_000, burst: 4_000 },
  link: { perMinute: 6_000, burst: 300 },
  sync: { perMinute: 30_000, burst: 1_000 },
  bytes: { perMinute: 600 * 1024 * 1024, burst: 16 * 1024 * 1024 },
};

export class LinkBudgets {
  private readonly frames: TokenBuckets;
  private readonly relay: TokenBuckets;
  private readonly link: TokenBuckets;
  private readonly sync: TokenBuckets;
  private readonly bytes: TokenBuckets;

  constructor(limits: LinkBudgetLimits = DEFAULT_LINK_BUDGET) {
    this.frames = new TokenBuckets(limits.frames);
    this.relay = new TokenBuckets(limits.relay);
    this.link = new TokenBuckets(limits.link);
    this.sync = new TokenBuckets(limits.sync);
    this.bytes = new TokenBuckets(limits.bytes);
  }

  /** Spends the peer's budget for one frame of `bytes`, before it is parsed; false when it has none left. */
  admitFrame(peerId: string, bytes: number, now: number): boolean {
    if (this.frames.available(peerId, now) < 1 || this.bytes.available(peerId, now) < bytes) return false;
    this.frames.take(peerId, now);
    this.bytes.take(peerId, now, bytes);
    return true;
  }

  /** Spends the budget of the kind of `message` (its frame's bytes were counted by admitFrame). */
  admit(peerId: string, message: Message, now: number): boolean {
    const kind =
      MESSAGE_INFO[message.type].scope !== 'link'
        ? this.relay
        : message.type.startsWith('SYNC_')
          ? this.sync
          : this.link;
    return kind.take(peerId, now);
  }
}
