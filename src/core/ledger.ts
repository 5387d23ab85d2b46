// What the protocol core needs from storage: a synchronous, idempotent ledger of verified entries and its state.
// src/store/ implements it on SQLite for full and light nodes; the simulator keeps one in memory.
import type { LedgerEntry } from './messages/schemas.js';
import { canonicalJson } from './signing.js';
import type { MeshTrustRecord } from './state/record.js';
import type { Verified } from './verified.js';

/**
 * Ledger key of an entry: a commit is stored under its update, every other entry under itself. Ids are unique
 * only per origin, so the key names the origin and kind too: no node can take another's key.
 */
export function ledgerKey(entry: LedgerEntry): string {
  return entry.type === 'COMMIT' ? commitKey(entry.update) : `${entry.type}:${entry.origin}:${entry.id}`;
}

/** The key a proposal's commit is stored under. */
export function commitKey(update: { readonly origin: string; readonly id: string }): string {
  return `TRUST_UPDATE:${update.origin}:${update.id}`;
}

/**
 * Two different entries under one key exist only if their origin equivocated. Every node keeps the same one
 * whatever the arrival order: the smaller id, then the smaller canonical form. True when `candidate` wins.
 */
export function supersedes(candidate: LedgerEntry, held: LedgerEntry): boolean {
  if (candidate.id !== held.id) return candidate.id < held.id;
  return canonicalJson(candidate) < canonicalJson(held);
}

export interface LedgerPage {
  entries: LedgerEntry[];
  next?: string;
}

export interface Ledger {
  has(key: string): boolean;
  get(key: string): LedgerEntry | null;
  /**
   * Stores a verified entry and folds it into the trust state; a key already present is left alone.
   * Returns false for a duplicate. Durable once the surrounding transaction (see `transaction`) returns.
   */
  append(entry: Verified<LedgerEntry>): boolean;
  /** Runs `work` in one storage transaction: everything it appends is durable together, or not at all. */
  transaction<T>(work: () => T): T;
  record(agentId: string, principalId: string): MeshTrustRecord | null;
  /** Ledger keys of the subject's revocations not yet lifted (what a REINSTATEMENT proposed here lifts). */
  openRevocations(agentId: string, principalId: string): string[];
  /** Every record of one agent (one per principal), without relying on a cache being complete. */
  recordsOfAgent(agentId: string): MeshTrustRecord[];
  /**
   * Entries that shaped one agent's records (one principal, or all), in storage order, a page at a time;
   * `next` is an opaque cursor for the following page, absent on the last. Used to answer light nodes.
   */
  entriesFor(
    agentId: string,
    principalId: string | undefined,
    cursor: string | undefined,
    limit: number,
  ): LedgerPage;
  /** Entries of the given types, oldest first (rebuilding the node registry at start-up). */
  entriesOfType(types: readonly LedgerEntry['type'][]): LedgerEntry[];
  /** Hash over all trust records (see state/hash.ts). */
  stateHash(): string;
  /** Number of stored entries. */
  size(): number;
}
