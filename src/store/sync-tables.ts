// The store's side of sync: entries by order-key instant (blocks are ranges of it), new rows since a seq (so a
// view can tell which blocks changed), and the durable list of block parts sync has applied.
import type Database from 'better-sqlite3';
import type { LedgerEntry } from '../core/messages/schemas.js';
import type { BlockPart } from '../core/sync/blocks.js';
import type { AppliedRef } from '../core/sync/plan.js';

/** Read access wrapped by the store (closed-store and error mapping), shared by every method here. */
type Guard = <T>(what: string, work: () => T) => T;

export class SyncTables {
  private readonly inRange: Database.Statement<[number, number], { body: string }>;
  private readonly instantsAfter: Database.Statement<[number], { seq: number; atMs: number }>;
  private readonly insertApplied: Database.Statement<[number, string, string]>;
  private readonly allApplied: Database.Statement<[], { height: number; root: string; part: BlockPart }>;
  private readonly countApplied: Database.Statement<[], { n: number }>;

  constructor(
    db: Database.Database,
    private readonly guard: Guard,
  ) {
    this.inRange = db.prepare('SELECT body FROM entries WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms');
    this.instantsAfter = db.prepare('SELECT seq, at_ms AS atMs FROM entries WHERE seq > ? ORDER BY seq');
    this.insertApplied = db.prepare(
      'INSERT OR IGNORE INTO sync_applied (height, root, part) VALUES (?, ?, ?)',
    );
    this.allApplied = db.prepare('SELECT height, root, part FROM sync_applied');
    this.countApplied = db.prepare('SELECT count(*) AS n FROM sync_applied');
  }

  /** Entries whose order-key instant is in [fromMs, toMs); -Infinity and Infinity are allowed bounds. */
  entriesBetween(fromMs: number, toMs: number): LedgerEntry[] {
    const low = Number.isFinite(fromMs) ? fromMs : Number.MIN_SAFE_INTEGER;
    const high = Number.isFinite(toMs) ? toMs : Number.MAX_SAFE_INTEGER;
    return this.guard('sync entries', () => this.inRange.all(low, high).map((row) => JSON.parse(row.body)));
  }

  /** The order-key instant of every row stored after `seq`, with its seq. */
  instantsSince(seq: number): Array<{ seq: number; atMs: number }> {
    return this.guard('sync instants', () => this.instantsAfter.all(seq));
  }

  /** Records one applied part; call it inside the transaction that stored the part's entries. */
  markApplied(height: number, root: string, part: BlockPart): void {
    this.guard('sync mark applied', () => this.insertApplied.run(height, root, part));
  }

  applied(): AppliedRef[] {
    return this.guard('sync applied', () => this.allApplied.all());
  }

  appliedCount(): number {
    return this.guard('sync applied count', () => this.countApplied.get()!.n);
  }
}

/** A store that can serve and record sync (SqliteStore); other NodeStores run without sync. */
export interface HasSyncTables {
  syncTables(): SyncTables;
}

export function syncTablesOf(store: object): SyncTables | null {
  return 'syncTables' in store && typeof store.syncTables === 'function'
    ? (store as HasSyncTables).syncTables()
    : null;
}
