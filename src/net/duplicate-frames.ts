// Drops byte-identical copies of messages already handled before they are parsed: forwarded gossip travels
// unchanged, so each copy after the first costs a hash instead of JSON parsing and schema checks.
import * as crypto from 'node:crypto';
import { TimeCache } from '../core/gossip/time-cache.js';
import type { MessageType } from '../core/messages/schemas.js';
import type { Clock } from '../core/time.js';

/** Digests held at most (~120 bytes each). */
const CAPACITY = 200_000;

/** What a remembered frame carried: enough for the dissemination tree to prune the link a copy came by. */
export interface FrameSeen {
  readonly type: MessageType;
  /** The signer of a proposal or commit, for its tree; absent for other types. */
  readonly origin?: string;
}

export class DuplicateFrameFilter {
  private readonly seen: TimeCache<FrameSeen>;
  dropped = 0;

  /** `ttlMs` should match the engine's seen-cache, so a frame is remembered as long as its message is. */
  constructor(
    ttlMs: number,
    private readonly clock: Clock,
  ) {
    this.seen = new TimeCache(ttlMs, CAPACITY);
  }

  /** What this exact frame carried when it was handled before (drop it unparsed), else undefined. */
  duplicateOf(frame: string): FrameSeen | undefined {
    const seen = this.seen.get(digest(frame), this.clock.now());
    if (seen !== undefined) this.dropped++;
    return seen;
  }

  /**
   * Remembers a frame whose message the engine has handled for good (accepted, or refused for a reason that
   * cannot change). Only such frames: a refusal that may turn into acceptance later must be looked at again.
   */
  remember(frame: string, seen: FrameSeen): void {
    this.seen.set(digest(frame), seen, this.clock.now());
  }

  prune(): void {
    this.seen.prune(this.clock.now());
  }
}

// crypto.hash (Node 20.12+) skips the Hash object and costs about half as much on a frame; older 20.x lack it.
const digest: (frame: string) => string =
  typeof crypto.hash === 'function'
    ? (frame) => crypto.hash('sha256', frame, 'base64')
    : (frame) => crypto.createHash('sha256').update(frame).digest('base64');
