// The bridge API's open change streams: one subscription to the node's change events and one heartbeat timer,
// fanned out to every feed, and the stream slots (a cap in all, and a smaller one per token or anonymous address).
import type { TrustMeshNode } from '../node/node.js';
import type { ChangeFeed } from './change-feed.js';
import { ApiFailure } from './error-handler.js';

export interface StreamLimits {
  /** Open streams in all; each holds a socket and a feed. */
  readonly maxStreams: number;
  /** Open streams per caller: per token, or per client address for anonymous readers. */
  readonly maxPerCaller: number;
  /** Milliseconds between heartbeat comments (each also makes every feed re-read the store). */
  readonly heartbeatMs: number;
}

export class StreamHub {
  /** Each open feed, with the caller whose slot it holds. */
  private readonly feeds = new Map<ChangeFeed, string>();
  private readonly perCaller = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly wake = () => {
    for (const feed of this.feeds.keys()) feed.wake();
  };

  constructor(
    private readonly node: TrustMeshNode,
    private readonly limits: StreamLimits,
  ) {}

  /** Streams open now. */
  get size(): number {
    return this.feeds.size;
  }

  /** Why `caller` may not open another stream now (a 429), or null when it may. */
  refusal(caller: string): ApiFailure | null {
    const { maxStreams, maxPerCaller } = this.limits;
    if (this.feeds.size >= maxStreams)
      return ApiFailure.of('TM_ERR_RATE_LIMITED', `this bridge already serves ${maxStreams} streams`);
    if ((this.perCaller.get(caller) ?? 0) >= maxPerCaller)
      return ApiFailure.of(
        'TM_ERR_RATE_LIMITED',
        `${caller} already holds ${maxPerCaller} open streams, the most per caller; close one first`,
      );
    return null;
  }

  /**
   * Gives `feed` a slot of `caller`'s and wakes it on every change from now on. Call it before the feed's first
   * read (start), so nothing stored during that read goes unnoticed.
   */
  add(caller: string, feed: ChangeFeed): void {
    if (this.feeds.size === 0) this.subscribe();
    this.feeds.set(feed, caller);
    this.perCaller.set(caller, (this.perCaller.get(caller) ?? 0) + 1);
  }

  /** Frees the feed's slot; the feed calls this as it ends. */
  remove(feed: ChangeFeed): void {
    const caller = this.feeds.get(feed);
    if (caller === undefined) return;
    this.feeds.delete(feed);
    const held = (this.perCaller.get(caller) ?? 1) - 1;
    if (held > 0) this.perCaller.set(caller, held);
    else this.perCaller.delete(caller);
    if (this.feeds.size === 0) this.unsubscribe();
  }

  /** Ends every stream (each feed frees its own slot as it closes). */
  close(): void {
    for (const feed of [...this.feeds.keys()]) feed.close();
    this.unsubscribe();
  }

  // Listeners and the timer exist only while some stream is open.
  private subscribe(): void {
    this.node.on('committed', this.wake);
    this.node.on('critical', this.wake);
    this.heartbeat = setInterval(() => {
      for (const feed of this.feeds.keys()) feed.beat();
    }, this.limits.heartbeatMs);
  }

  private unsubscribe(): void {
    this.node.off('committed', this.wake);
    this.node.off('critical', this.wake);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
