// A light node's size budget: which subject was used least recently, and evicting until the entries fit again.
// Reads are remembered in memory and written only when eviction needs them: a lost touch costs a cache miss, not data.
import type { Statements } from './statements.js';

/** Reads remembered before they are written out on their own. */
const MAX_PENDING_TOUCHES = 10_000;

/** The store's running totals, which eviction keeps true. */
export interface Tally {
  entries: number;
  records: number;
  bytes: number;
  evicted: number;
}

interface Touch {
  agentId: string;
  principalId: string;
  tick: number;
}

export class LightBudget {
  private readonly touches = new Map<string, Touch>();

  constructor(
    readonly limitBytes: number,
    private readonly s: Statements,
    private readonly tally: Tally,
    private readonly nextTick: () => number,
  ) {}

  /** Remembers a read; true when enough have piled up to be worth writing now. */
  touch(agentId: string, principalId: string): boolean {
    // Subject ids cannot contain control characters, so NUL cannot make two subjects share a key.
    this.touches.set(`${agentId}\u0000${principalId}`, { agentId, principalId, tick: this.nextTick() });
    return this.touches.size >= MAX_PENDING_TOUCHES;
  }

  hasPendingTouches(): boolean {
    return this.touches.size > 0;
  }

  /** Writes remembered reads; call inside a transaction. MAX() keeps a later append's tick. */
  flushTouches(): void {
    for (const { agentId, principalId, tick } of this.touches.values()) {
      this.s.touchRecord.run(tick, agentId, principalId);
    }
    this.touches.clear();
  }

  /**
   * Evicts the least recently touched subject (its record and entries) or standalone entry until the stored
   * bytes fit; call inside a transaction. Rotations and blacklistings stay even if they alone exceed the budget.
   * Returns whether anything was evicted.
   */
  enforce(): boolean {
    if (this.tally.bytes <= this.limitBytes) return false;
    this.flushTouches();
    while (this.tally.bytes > this.limitBytes) {
      const subject = this.s.oldestRecord.get();
      const loose = this.s.oldestEvictable.get();
      if (loose !== undefined && (subject === undefined || loose.touched < subject.touched)) {
        this.s.deleteEntry.run(loose.seq);
        this.forget(1, loose.bytes);
      } else if (subject !== undefined) {
        const { count, bytes } = this.s.subjectTotals.get(subject.agentId, subject.principalId)!;
        this.s.deleteSubjectEntries.run(subject.agentId, subject.principalId);
        this.s.deleteRecord.run(subject.agentId, subject.principalId);
        this.tally.records--;
        this.forget(count, bytes);
      } else {
        break;
      }
    }
    return true;
  }

  private forget(entries: number, bytes: number): void {
    this.tally.entries -= entries;
    this.tally.bytes -= bytes;
    this.tally.evicted += entries;
  }
}
