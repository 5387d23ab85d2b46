// In-memory implementations of what the engine takes from outside: ledger, output, clock and entropy.
// This file: a Ledger and ProposalLog with exactly SqliteStore's semantics, for engine tests and the simulator.
import type { ProposalLog, ProposalRecord } from '../consensus/proposals.js';
import type { Crypto } from '../crypto.js';
import { TrustMeshError } from '../errors.js';
import { type Ledger, type LedgerPage, ledgerKey, supersedes } from '../ledger.js';
import type { LedgerEntry } from '../messages/schemas.js';
import { partitionPoint } from '../sorted.js';
import { recordHash, stateHash } from '../state/hash.js';
import { type MeshTrustRecord, openRevocations, recordFromHead } from '../state/record.js';
import type { Verified } from '../verified.js';
import { LedgerIndex, type StoredEntry, type SubjectState, type Undo } from './ledger-index.js';

/** Largest page any paged read returns, as in the store (a QUERY_RESULT carries at most 1000 entries). */
export const MEMORY_MAX_PAGE = 1000;

const clampLimit = (limit: number): number =>
  Number.isFinite(limit) ? Math.min(MEMORY_MAX_PAGE, Math.max(1, Math.floor(limit))) : 1;

/** Cursors are decimal seqs, as in the store; anything else names no position, so it reads as an exhausted page. */
const parseCursor = (cursor: string | undefined): number | null =>
  cursor === undefined ? 0 : /^\d{1,15}$/.test(cursor) ? Number(cursor) : null;

/** Code-point order of two strings: what SQLite's BINARY collation gives on UTF-8 text. */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (code points above U+FFFF) below U+E000..U+FFFF; code-point order puts them above.
    if (x >= 0xd800 && y >= 0xd800) {
      x += x < 0xe000 ? 0x2000 : -0x800;
      y += y < 0xe000 ? 0x2000 : -0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Index of the first entry with seq above `after` (entries are in seq order). */
function firstAfter(entries: readonly StoredEntry[], after: number): number {
  return partitionPoint(0, entries.length, (index) => entries[index]!.seq <= after);
}

export class MemoryLedger implements Ledger, ProposalLog {
  private readonly index = new LedgerIndex();
  /** Proposal records as JSON, as the store keeps them: every load is a fresh copy. */
  private readonly proposals = new Map<string, string>();
  /** Inverses of every change made inside the open transaction, newest last. */
  private readonly undoLog: Undo[] = [];
  private depth = 0;
  /** An append failed partway inside the current transaction level, which therefore must not commit. */
  private torn = false;
  private hashCache: string | null = null;

  constructor(private readonly crypto: Crypto) {}

  // ---- Ledger -------------------------------------------------------------------------------------------

  has(key: string): boolean {
    return this.index.byKey.has(key);
  }

  get(key: string): LedgerEntry | null {
    return this.index.byKey.get(key)?.entry ?? null;
  }

  append(entry: Verified<LedgerEntry>): boolean {
    if (this.depth === 0) return this.transaction(() => this.insert(entry));
    // As in the store, an append that fails halfway spoils the surrounding transaction, even if `work` catches it.
    try {
      return this.transaction(() => this.insert(entry));
    } catch (error) {
      this.torn = true;
      throw error;
    }
  }

  /** All or nothing: if `work` throws, everything it changed is undone (nested calls behave as savepoints). */
  transaction<T>(work: () => T): T {
    const mark = this.undoLog.length;
    const enclosingTorn = this.torn;
    this.torn = false;
    this.depth++;
    try {
      const value = work();
      if (this.torn) throw new TrustMeshError('TM_ERR_STORE', 'transaction: an append in it failed halfway');
      this.torn = enclosingTorn;
      return value;
    } catch (error) {
      while (this.undoLog.length > mark) this.undoLog.pop()!();
      this.hashCache = null;
      this.torn = enclosingTorn;
      throw error;
    } finally {
      this.depth--;
      if (this.depth === 0) this.undoLog.length = 0;
    }
  }

  record(agentId: string, principalId: string): MeshTrustRecord | null {
    const subject = this.index.subject(agentId, principalId);
    return subject === undefined ? null : this.build(subject);
  }

  openRevocations(agentId: string, principalId: string): string[] {
    const subject = this.index.subject(agentId, principalId);
    return subject === undefined ? [] : openRevocations(subject.head);
  }

  recordsOfAgent(agentId: string): MeshTrustRecord[] {
    return this.index
      .subjectsOf(agentId)
      .sort((a, b) => compareCodePoints(a.principalId, b.principalId))
      .map((subject) => this.build(subject));
  }

  entriesFor(
    agentId: string,
    principalId: string | undefined,
    cursor: string | undefined,
    limit: number,
  ): LedgerPage {
    const after = parseCursor(cursor);
    if (after === null) return { entries: [] };
    const size = clampLimit(limit);
    const all = this.index.entriesOf(agentId, principalId);
    const start = firstAfter(all, after);
    const page = all.slice(start, start + size);
    const entries = page.map((stored) => stored.entry);
    return start + size < all.length ? { entries, next: String(page[page.length - 1]!.seq) } : { entries };
  }

  entriesOfType(types: readonly LedgerEntry['type'][]): LedgerEntry[] {
    return types.length === 0 ? [] : this.index.ofTypes(types);
  }

  /** Rehashes only the records changed since the last call, then hashes the set of record hashes. */
  stateHash(): string {
    if (this.hashCache !== null) return this.hashCache;
    const hashes: string[] = [];
    for (const subject of this.index.allSubjects()) {
      subject.hash ??= recordHash(this.crypto, this.build(subject));
      hashes.push(subject.hash);
    }
    this.hashCache = stateHash(this.crypto, hashes);
    return this.hashCache;
  }

  size(): number {
    return this.index.byKey.size;
  }

  // ---- ProposalLog ------------------------------------------------------------------------------------

  saveProposal(record: ProposalRecord): void {
    const held = this.proposals.get(record.id);
    this.proposals.set(record.id, JSON.stringify(record));
    this.logged(() =>
      held === undefined ? this.proposals.delete(record.id) : this.proposals.set(record.id, held),
    );
  }

  loadProposal(id: string): ProposalRecord | null {
    const body = this.proposals.get(id);
    return body === undefined ? null : JSON.parse(body);
  }

  // ---- Internals ----------------------------------------------------------------------------------------

  /** Stores an entry unless its key is taken; true when the stored state changed. */
  private insert(entry: LedgerEntry): boolean {
    const held = this.index.byKey.get(ledgerKey(entry));
    if (held !== undefined) {
      // Only an equivocating origin makes two different entries under one key; keep the one `supersedes` prefers.
      if (!supersedes(entry, held.entry)) return false;
      this.logged(this.index.remove(held));
    }
    this.logged(this.index.insert(entry));
    this.hashCache = null;
    return true;
  }

  /** Keeps an inverse while a transaction is open; outside one a change is final at once. */
  private logged(undo: Undo): void {
    if (this.depth > 0) this.undoLog.push(undo);
  }

  private build(subject: SubjectState): MeshTrustRecord {
    const record = recordFromHead(subject.head, this.index.history(subject));
    // The head is shared between reads; a record is the caller's to keep or change, as the store's are.
    return { ...record, signatures: record.signatures.map((signature) => ({ ...signature })) };
  }
}
