// Inbound work queue shared by all connections: critical messages are handled before any normal one.
// Work runs in bounded batches between event-loop turns, so a frame that arrives mid-backlog can still jump it.
import type { Lane } from '../core/messages/registry.js';
import { Fifo } from './fifo.js';

export interface InboundItem<T> {
  readonly lane: Lane;
  readonly value: T;
}

export interface SchedulerOptions {
  /**
   * Time budget of one turn: normal messages stop being taken once it is spent, so a critical frame that
   * arrives behind a backlog waits for at most about this long (plus one message) before it is handled.
   */
  readonly turnMs: number;
  readonly now: () => number;
  /**
   * Event-loop turns a drain waits for more normal items while fewer than `gatherItems` wait (0: none). Sockets
   * hand over one frame per turn each (so a flood cannot hold the loop), and a turn costs a storage transaction:
   * gathering keeps turns full under load, and costs an idle node a few empty loop turns (microseconds).
   */
  readonly gatherTurns?: number;
  readonly gatherItems?: number;
}

/** Critical items handled per turn regardless of the time budget. */
const CRITICAL_PER_TURN = 64;

export class InboundScheduler<T> {
  private readonly critical = new Fifo<T>();
  private readonly normal = new Fifo<T>();
  private scheduled: NodeJS.Immediate | null = null;
  private stopped = false;
  /** Turns the pending drain has waited so far to gather items. */
  private waited = 0;

  /**
   * `handle` is called once per turn with `next`, which yields waiting items (critical first) until the
   * turn's time budget is spent; the handler runs them all in one storage transaction.
   */
  constructor(
    private readonly handle: (next: () => T | undefined) => void,
    private readonly options: SchedulerOptions,
  ) {}

  enqueue(lane: Lane, value: T): void {
    if (this.stopped) return;
    (lane === 'critical' ? this.critical : this.normal).push(value);
    this.schedule();
  }

  get queued(): number {
    return this.critical.length + this.normal.length;
  }

  private schedule(): void {
    if (this.scheduled !== null || this.stopped) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      this.drain();
    });
  }

  private drain(): void {
    const { turnMs, now, gatherTurns = 0, gatherItems = 0 } = this.options;
    if (this.critical.length === 0 && this.normal.length < gatherItems && this.waited < gatherTurns) {
      this.waited++;
      this.schedule();
      return;
    }
    this.waited = 0;
    const deadline = now() + turnMs;
    let taken = 0;
    let takenCritical = 0;
    this.handle(() => {
      if (this.stopped) return undefined;
      // Critical items go first, but past a first batch they respect the budget too: a flood of them must not
      // hold the event loop (and everything else) for as long as it lasts.
      if (this.critical.length > 0 && (takenCritical++ < CRITICAL_PER_TURN || now() < deadline)) {
        return this.critical.shift();
      }
      // At least one normal item per turn, so a flood of critical frames cannot starve normal work entirely.
      if (taken++ > 0 && now() >= deadline) return undefined;
      return this.normal.shift();
    });
    if (this.queued > 0) this.schedule();
  }

  /** Drops queued work and stops scheduling (shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
  }
}
