// Node sync owns catch-up and anti-entropy over the network: serving SYNC_* from the store, fetching what differs.
// This file: keeps the view's block roots and summary current in the background, a few milliseconds at a time.
import type { Logger } from '../../log.js';
import type { StoreSyncView } from './ledger-view.js';

/** How often the view is looked at for closed blocks whose roots are not cached (a block closes once an epoch). */
const LOOK_EVERY_MS = 1_000;
/**
 * Budget of one slice (one event-loop turn): the deadline is checked between blocks, so a slice is this or one
 * block, whichever is longer.
 */
const SLICE_MS = 5;

/**
 * Without it, the first summary asked of a node after a restart (or after entries were imported in bulk) computes
 * the root of every block inside that one request, and the node answers nothing else meanwhile.
 */
export class RootWarmer {
  private timer: NodeJS.Timeout | null = null;
  private slice: NodeJS.Immediate | null = null;
  /** Whether the last slice failed: a failure is logged once, and retried at the next look. */
  private failing = false;

  constructor(
    private readonly view: Pick<StoreSyncView, 'warm'>,
    /** Told when the store fails here (the request path meets the same failure and reports it too). */
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.look(), LOOK_EVERY_MS);
    this.timer.unref();
    this.look();
  }

  private look(): void {
    if (this.slice !== null || this.timer === null) return;
    const step = () => {
      this.slice = null;
      if (this.timer === null) return;
      let done: boolean;
      try {
        done = this.view.warm(this.now, this.now() + SLICE_MS);
      } catch (error) {
        if (!this.failing) {
          const message = error instanceof Error ? error.message : String(error);
          this.logger.warn({ err: message, retryInMs: LOOK_EVERY_MS }, 'block roots not warmed');
        }
        this.failing = true;
        return;
      }
      if (this.failing) this.logger.info('block roots warming again');
      this.failing = false;
      if (!done) this.slice = setImmediate(step);
    };
    this.slice = setImmediate(step);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.slice !== null) clearImmediate(this.slice);
    this.timer = null;
    this.slice = null;
  }
}
