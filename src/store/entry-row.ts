// How a ledger entry maps onto a row of the `entries` table: its key, order key, subject and history columns.
// Every derived column comes from the core's own functions, so the store and the reference model cannot disagree.
import { ledgerKey } from '../core/ledger.js';
import type { LedgerEntry } from '../core/messages/schemas.js';
import { historyItemOf, orderOf, type RecordEntry, subjectOf } from '../core/state/record.js';
import { parseTimestamp } from '../core/time.js';

export interface EntryRow {
  key: string;
  type: LedgerEntry['type'];
  /** The entry's own id: for a commit the commit's id, which decides between two commits of one update. */
  entryId: string;
  agentId: string | null;
  principalId: string | null;
  atMs: number;
  orderId: string;
  /** History columns, so records are rebuilt without parsing whole bodies. */
  timestamp: string;
  event: string | null;
  origin: string;
  /** Recency tick of entries evicted on their own (security alerts); null for the rest. */
  touched: number | null;
  body: string;
  bytes: number;
}

export function isRecordEntry(entry: LedgerEntry): entry is RecordEntry {
  return entry.type === 'COMMIT' || entry.type === 'REVOCATION';
}

/** Entries a light node may drop on their own; rotations and blacklisting define who is who and always stay. */
export function isStandaloneEvictable(entry: LedgerEntry): boolean {
  return entry.type === 'SECURITY_ALERT';
}

export function rowOf(entry: LedgerEntry, touched: number | null): EntryRow {
  const body = JSON.stringify(entry);
  const key = ledgerKey(entry);
  const bytes = Buffer.byteLength(body);
  // Each row is one flat literal: spreading a shared part into it cost ~9 µs an append, four times the rest of it.
  if (isRecordEntry(entry)) {
    const { agentId, principalId } = subjectOf(entry);
    const { at, id } = orderOf(entry);
    const item = historyItemOf(entry);
    return {
      key,
      type: entry.type,
      entryId: entry.id,
      agentId,
      principalId,
      atMs: at,
      orderId: id,
      timestamp: item.timestamp,
      event: item.event,
      origin: item.fromNode,
      touched,
      body,
      bytes,
    };
  }
  return {
    key,
    type: entry.type,
    entryId: entry.id,
    agentId: null,
    principalId: null,
    atMs: parseTimestamp(entry.timestamp) ?? 0,
    orderId: entry.id,
    timestamp: entry.timestamp,
    event: null,
    origin: entry.origin,
    touched,
    body,
    bytes,
  };
}
