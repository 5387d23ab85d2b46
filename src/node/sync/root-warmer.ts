// Node sync owns catch-up and anti-entropy over the network: serving SYNC_* from the store, fetching what differs.
// This file: keeps the view's block roots and summary current in the background, a few milliseconds at a time.
import type { Logger } from '../../log.js';
import type { StoreSyncView } from './ledger-view.js';

/** How often the view is looked at for closed blocks whose roots are not cached (a block closes once an epoch). */
const LOOK_EVERY_MS = 1_000;
/** Longest slice of work in one event-loop turn: PINGs and API requests wait for no more than this. */
const SLICE_MS = 5;

/**
 * Without it, the first summary asked of a node after a restart (or after entries were imported in bulk) computes
 * the root of every block inside that one request, and the node answers nothing else meanwhile.
 */
export class RootWarmer {
  private timer: NodeJS.Timeout | null = null;
  private slice: NodeJS.Immediate | null = null;
  /** Whether the last look found every closed block's roots and the summary cached. */
  current = false;

  constructor(
    private readonly view: Pick<StoreSyncView, 'warm'>,
    /** Told of a store failure here (the request path meets it too); warming then stops until start(). */
    private readonly logger: Pick<Logger, 'warn'>,
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
        this.stop();
        const message = error instanceof Error ? error.message : String(error);
        this.logger.warn({ err: message }, 'block roots not warmed');
        return;
      }
      this.current = done;
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
