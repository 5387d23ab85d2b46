// Stores entries and folds record entries into their subject's head in O(1), and builds records back from heads.
// Full records (with history) and their hashes are only rebuilt when read or hashed, never on append.
import { ledgerKey, supersedes } from '../core/ledger.js';
import type { LedgerEntry } from '../core/messages/schemas.js';
import {
  applyToHead,
  type MeshTrustRecord,
  type RecordEntry,
  type RecordHead,
  recordFromHead,
} from '../core/state/record.js';
import { isRecordEntry, isStandaloneEvictable, rowOf } from './entry-row.js';
import type { Tally } from './light-budget.js';
import type { HeldEntry, Statements } from './statements.js';

export class EntryWriter {
  constructor(
    private readonly s: Statements,
    private readonly tally: Tally,
    private readonly nextTick: () => number,
  ) {}

  /** Stores an entry unless its key is taken; true when the stored state changed. Call inside a transaction. */
  insert(entry: LedgerEntry): boolean {
    // Looking first keeps a duplicate from writing at all: an ignored INSERT still advances the AUTOINCREMENT seq.
    const held = this.s.heldByKey.get(ledgerKey(entry));
    if (held !== undefined) return this.resolveConflict(entry, held);
    const row = rowOf(entry, isStandaloneEvictable(entry) ? this.nextTick() : null);
    if (this.s.insertEntry.run(row).changes === 0) return false;
    this.tally.entries++;
    this.tally.bytes += row.bytes;
    if (isRecordEntry(entry)) this.fold(entry, row.agentId!, row.principalId!);
    return true;
  }

  private fold(entry: RecordEntry, agentId: string, principalId: string): void {
    const held = this.s.head.get(agentId, principalId);
    const head = applyToHead(held === undefined ? null : (JSON.parse(held) as RecordHead), entry);
    this.s.upsertRecord.run(agentId, principalId, JSON.stringify(head), this.nextTick());
    if (held === undefined) this.tally.records++;
  }

  /**
   * The key is taken. Only an equivocating origin makes two different entries under one key; like deriveRecord,
   * every node keeps the one `supersedes` prefers, whichever arrived first. Anything else is a duplicate.
   */
  private resolveConflict(entry: LedgerEntry, held: HeldEntry): boolean {
    if (entry.id > held.entryId) return false;
    if (!supersedes(entry, JSON.parse(this.s.bodyByKey.get(ledgerKey(entry))!) as LedgerEntry)) return false;
    this.s.deleteEntry.run(held.seq);
    this.tally.entries--;
    this.tally.bytes -= held.bytes;
    if (held.agentId !== null && held.principalId !== null) this.rebuildHead(held.agentId, held.principalId);
    return this.insert(entry);
  }

  /** Refolds a head from its entries: the rare path after a replacement, never taken by plain appends. */
  private rebuildHead(agentId: string, principalId: string): void {
    let head: RecordHead | null = null;
    for (const body of this.s.subjectBodies.all(agentId, principalId)) {
      head = applyToHead(head, JSON.parse(body) as RecordEntry);
    }
    if (head === null) {
      this.s.deleteRecord.run(agentId, principalId);
      this.tally.records--;
    } else {
      this.s.upsertRecord.run(agentId, principalId, JSON.stringify(head), this.nextTick());
    }
  }
}

/** A subject's full record: its stored head plus its history read in (timestamp, id) order. */
export function buildRecord(
  s: Statements,
  agentId: string,
  principalId: string,
  head: string,
): MeshTrustRecord {
  return recordFromHead(JSON.parse(head) as RecordHead, s.history.all(agentId, principalId));
}
