// The node's durable ledger on SQLite (better-sqlite3, WAL): entries, per-subject record heads, proposals, peers.
// Appends fold into a stored head in O(1); full records and hashes are rebuilt lazily, only for what changed.
import Database from 'better-sqlite3';
import type { ProposalRecord } from '../core/consensus/proposals.js';
import type { Crypto } from '../core/crypto.js';
import { TrustMeshError } from '../core/errors.js';
import { commitKey, type LedgerPage } from '../core/ledger.js';
import type { LedgerEntry } from '../core/messages/schemas.js';
import { recordHash, stateHash } from '../core/state/hash.js';
import {
  type HistoryItem,
  type MeshTrustRecord,
  openRevocations,
  type RecordHead,
} from '../core/state/record.js';
import type { Verified } from '../core/verified.js';
import { buildRecord, EntryWriter } from './entry-writer.js';
import type { NodeStore, SequencedEntry, StoredPeer, StoreStats } from './interface.js';
import { settleInterrupted } from './interrupted-proposals.js';
import { LightBudget, type Tally } from './light-budget.js';
import { migrate } from './schema.js';
import { prepareStatements, type SeqBody, type Statements } from './statements.js';
import { guarded, storeError } from './store-error.js';
import { SyncTables } from './sync-tables.js';

/** Largest page any paged read returns (a QUERY_RESULT carries at most 1000 entries). */
export const MAX_PAGE = 1000;
const BUSY_TIMEOUT_MS = 5_000;
/** Records rehashed per statement round trip in stateHash(); bounds memory, not work. */
const HASH_BATCH = 512;

export interface SqliteStoreOptions {
  readonly crypto: Crypto;
  /** Light node: keep the stored entries' bytes at or under this, evicting least recently touched subjects. */
  readonly lightBudgetBytes?: number;
  /** 'full' (default) syncs every commit to disk; 'normal' may lose the last commits on power loss, never integrity. */
  readonly synchronous?: 'full' | 'normal';
}

export type { SequencedEntry, StoredPeer, StoreStats } from './interface.js';

const clampLimit = (limit: number): number =>
  Number.isFinite(limit) ? Math.min(MAX_PAGE, Math.max(1, Math.floor(limit))) : 1;

/** Cursors are decimal seqs; anything else names no position, so it reads as an exhausted page. */
const parseCursor = (cursor: string | undefined): number | null =>
  cursor === undefined ? 0 : /^\d{1,15}$/.test(cursor) ? Number(cursor) : null;

const parseEntries = (rows: SeqBody[]): LedgerEntry[] => rows.map((row) => JSON.parse(row.body));

export class SqliteStore implements NodeStore {
  private readonly s: Statements;
  private readonly crypto: Crypto;
  private readonly budget: LightBudget | null;
  private readonly writer: EntryWriter;
  private readonly inTransaction: (work: () => unknown) => unknown;
  /** Running totals, so size(), stats() and the light budget never scan; restored when a transaction fails. */
  private readonly counters: Tally;
  /** Logical clock for recency: shared by appends and reads so a light node can tell which subject was used last. */
  private tick = 0;
  private hashCache: string | null = null;
  /** An append failed partway inside the current transaction level, which therefore must not commit. */
  private torn = false;
  private readonly sync: SyncTables;

  static open(path: string, options: SqliteStoreOptions): SqliteStore {
    const budget = options.lightBudgetBytes;
    if (budget !== undefined && !(Number.isSafeInteger(budget) && budget > 0)) {
      throw new TrustMeshError('TM_ERR_CONFIG_INVALID', 'lightBudgetBytes must be a positive integer');
    }
    let db: Database.Database;
    try {
      db = new Database(path);
    } catch (error) {
      throw storeError(`cannot open ${path}`, error);
    }
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && !db.memory) throw new TrustMeshError('TM_ERR_STORE', `${path}: WAL unavailable`);
      db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.pragma('foreign_keys = ON');
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      migrate(db);
      return new SqliteStore(db, options);
    } catch (error) {
      db.close();
      // Whatever fails here (SQLite, or a stored row that no longer parses) is the store's fault, not the caller's.
      throw error instanceof TrustMeshError ? error : storeError(`cannot open ${path}`, error);
    }
  }

  private constructor(
    private readonly db: Database.Database,
    options: SqliteStoreOptions,
  ) {
    this.crypto = options.crypto;
    this.s = prepareStatements(db);
    this.sync = new SyncTables(db, (what, work) => this.read(what, work));
    this.inTransaction = db.transaction((work: () => unknown) => work());
    const totals = this.s.entryTotals.get()!;
    this.counters = {
      entries: totals.count,
      records: this.s.recordCount.get()!,
      bytes: totals.bytes,
      evicted: 0,
    };
    this.tick = this.s.maxTouched.get() ?? 0;
    this.writer = new EntryWriter(this.s, this.counters, () => ++this.tick);
    this.budget =
      options.lightBudgetBytes === undefined
        ? null
        : new LightBudget(options.lightBudgetBytes, this.s, this.counters, () => ++this.tick);
    this.transaction(() => this.settleInterruptedProposals());
  }

  close(): void {
    if (!this.db.open) return;
    try {
      guarded('closing the store', () => {
        if (this.budget?.hasPendingTouches()) this.transaction(() => this.budget?.flushTouches());
        this.db.pragma('optimize');
      });
    } finally {
      this.db.close();
    }
  }

  // ---- Ledger -------------------------------------------------------------------------------------------

  has(key: string): boolean {
    return this.read('has', () => this.s.hasKey.get(key) !== undefined);
  }

  get(key: string): LedgerEntry | null {
    return this.read('get', () => {
      const body = this.s.bodyByKey.get(key);
      return body === undefined ? null : JSON.parse(body);
    });
  }

  append(entry: Verified<LedgerEntry>): boolean {
    if (!this.db.inTransaction) return this.write('append', () => this.insert(entry));
    // A savepoint per append would cost about a third of it; instead an append that fails halfway marks the
    // surrounding transaction torn, and write() rolls that back rather than commit half an entry.
    return this.read('append', () => {
      try {
        return this.insert(entry);
      } catch (error) {
        this.torn = true;
        throw error;
      }
    });
  }

  transaction<T>(work: () => T): T {
    return this.write('transaction', work);
  }

  record(agentId: string, principalId: string): MeshTrustRecord | null {
    return this.read('record', () => {
      const head = this.s.head.get(agentId, principalId);
      return head === undefined ? null : buildRecord(this.s, agentId, principalId, head);
    });
  }

  recordsOfAgent(agentId: string): MeshTrustRecord[] {
    return this.read('recordsOfAgent', () =>
      this.s.recordsOfAgent
        .all(agentId)
        .map((row) => buildRecord(this.s, row.agentId, row.principalId, row.head)),
    );
  }

  openRevocations(agentId: string, principalId: string): string[] {
    return this.read('openRevocations', () => {
      const head = this.s.head.get(agentId, principalId);
      return head === undefined ? [] : openRevocations(JSON.parse(head) as RecordHead);
    });
  }

  /** Subjects held, most recently used first (what a light node refreshes when it comes back online). */
  recentSubjects(limit: number): Array<{ agentId: string; principalId: string }> {
    return this.read('recentSubjects', () => this.s.recentSubjects.all(clampLimit(limit)));
  }

  entriesFor(
    agentId: string,
    principalId: string | undefined,
    cursor: string | undefined,
    limit: number,
  ): LedgerPage {
    return this.read('entriesFor', () => {
      const after = parseCursor(cursor);
      if (after === null) return { entries: [] };
      const size = clampLimit(limit);
      const rows =
        principalId === undefined
          ? this.s.agentPage.all(agentId, after, size + 1)
          : this.s.subjectPage.all(agentId, principalId, after, size + 1);
      const page = rows.slice(0, size);
      const entries = parseEntries(page);
      return rows.length > size ? { entries, next: String(page[page.length - 1]!.seq) } : { entries };
    });
  }

  entriesOfType(types: readonly LedgerEntry['type'][]): LedgerEntry[] {
    if (types.length === 0) return [];
    return this.read('entriesOfType', () =>
      this.s.ofTypes.all(JSON.stringify(types)).map((body) => JSON.parse(body)),
    );
  }

  /** Rehashes only the records changed since the last call, then hashes the set of record hashes. */
  stateHash(): string {
    if (this.hashCache !== null) return this.hashCache;
    return this.write('stateHash', () => {
      for (
        let batch = this.s.unhashed.all(HASH_BATCH);
        batch.length > 0;
        batch = this.s.unhashed.all(HASH_BATCH)
      ) {
        for (const row of batch) {
          const hash = recordHash(this.crypto, buildRecord(this.s, row.agentId, row.principalId, row.head));
          this.s.setHash.run(hash, row.agentId, row.principalId);
        }
      }
      this.hashCache = stateHash(this.crypto, this.s.allHashes.all());
      return this.hashCache;
    });
  }

  size(): number {
    return this.read('size', () => this.counters.entries);
  }

  // ---- Reads for the bridge API ---------------------------------------------------------------------------

  /** Entries of every type stored after `seq`, oldest first: a resumable change stream keyed by seq. */
  entriesSince(seq: number, limit: number): SequencedEntry[] {
    return this.read('entriesSince', () =>
      this.s.since
        .all(Number.isFinite(seq) ? Math.max(0, Math.floor(seq)) : 0, clampLimit(limit))
        .map((row) => ({ seq: row.seq, entry: JSON.parse(row.body) })),
    );
  }

  /** The highest seq ever assigned (evicted or replaced entries included); 0 for an empty store. */
  latestSeq(): number {
    return this.read('latestSeq', () => this.s.latestSeq.get() ?? 0);
  }

  /** One page of a record's history in (timestamp, id) order, with the history's full length. */
  history(
    agentId: string,
    principalId: string,
    offset: number,
    limit: number,
  ): { items: HistoryItem[]; total: number } {
    return this.read('history', () => ({
      items: this.s.historyPage.all(
        agentId,
        principalId,
        clampLimit(limit),
        Math.max(0, Math.floor(offset) || 0),
      ),
      total: this.s.historyCount.get(agentId, principalId) ?? 0,
    }));
  }

  stats(): StoreStats {
    return this.read('stats', () => ({ ...this.counters }));
  }

  /** Marks a subject as just used, so a light node evicts it last; a no-op on full nodes. */
  touch(agentId: string, principalId: string): void {
    if (this.budget?.touch(agentId, principalId)) this.write('touch', () => this.budget?.flushTouches());
  }

  /** Block reads and the applied-part record for sync (see sync-tables.ts). */
  syncTables(): SyncTables {
    return this.sync;
  }

  // ---- Proposals and peers ----------------------------------------------------------------------------------

  saveProposal(record: ProposalRecord): void {
    this.read('saveProposal', () =>
      this.s.upsertProposal.run(
        record.id,
        record.state,
        JSON.stringify(record),
        record.settledAt ?? record.createdAt,
      ),
    );
  }

  /** Forgets settled proposals last changed before `beforeMs`; their commits stay in the ledger. */
  pruneProposals(beforeMs: number): number {
    return this.write('pruneProposals', () => this.s.pruneProposals.run(beforeMs).changes);
  }

  loadProposal(id: string): ProposalRecord | null {
    return this.read('loadProposal', () => {
      const body = this.s.proposal.get(id);
      return body === undefined ? null : JSON.parse(body);
    });
  }

  savePeer(peer: StoredPeer): void {
    this.read('savePeer', () =>
      this.s.upsertPeer.run(
        peer.nodeId,
        peer.publicKey,
        JSON.stringify(peer.endpoints),
        JSON.stringify(peer.capabilities),
        peer.lastSeenMs,
      ),
    );
  }

  /** Remembered peers, most recently seen first. */
  loadPeers(limit: number): StoredPeer[] {
    return this.read('loadPeers', () =>
      this.s.peers.all(clampLimit(limit)).map((row) => ({
        nodeId: row.nodeId,
        publicKey: row.publicKey,
        endpoints: JSON.parse(row.endpoints),
        capabilities: JSON.parse(row.capabilities),
        lastSeenMs: row.lastSeenMs,
      })),
    );
  }

  forgetPeer(nodeId: string): void {
    this.read('forgetPeer', () => this.s.deletePeer.run(nodeId));
  }

  // ---- Internals ----------------------------------------------------------------------------------------------

  private read<T>(what: string, work: () => T): T {
    if (!this.db.open) throw new TrustMeshError('TM_ERR_STORE', `${what}: the store is closed`);
    return guarded(what, work);
  }

  /** One transaction (a savepoint when nested); the outermost one also brings a light node back under budget. */
  private write<T>(what: string, work: () => T): T {
    return this.read(what, () => {
      const saved = { ...this.counters };
      // `torn` belongs to one transaction level: an enclosing level's flag is put back when this one ends.
      const enclosingTorn = this.torn;
      this.torn = false;
      const outermost = !this.db.inTransaction;
      try {
        const result = this.inTransaction(() => {
          const value = work();
          if (this.torn) throw new TrustMeshError('TM_ERR_STORE', `${what}: an append in it failed halfway`);
          if (outermost && this.budget?.enforce()) this.hashCache = null;
          return value;
        }) as T;
        this.torn = enclosingTorn;
        return result;
      } catch (error) {
        // The rollback (of the transaction or this savepoint) also undid any half-written append.
        Object.assign(this.counters, saved);
        this.torn = enclosingTorn;
        this.hashCache = null;
        throw error;
      }
    });
  }

  private insert(entry: LedgerEntry): boolean {
    const changed = this.writer.insert(entry);
    if (changed) this.hashCache = null;
    return changed;
  }

  private settleInterruptedProposals(): void {
    for (const body of this.s.pendingProposals.all()) {
      const record = JSON.parse(body) as ProposalRecord;
      this.saveProposal(settleInterrupted(record, this.get(commitKey(record.update))));
    }
  }
}
