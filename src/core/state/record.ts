// The spec's MeshTrustRecord and the pure rules that derive it from committed updates and revocations.
// The result depends only on the set of entries, never on their arrival order or duplicates (DESIGN §4).
import { base64urlToHex } from '../encoding.js';
import { ledgerKey, supersedes } from '../ledger.js';
import type { Commit, Revocation } from '../messages/schemas.js';
import { compareOrder, type OrderKey, parseTimestamp } from '../time.js';

export interface HistoryItem {
  timestamp: string;
  event: string;
  fromNode: string;
}

export interface NodeSignature {
  nodeId: string;
  signature: string;
}

/** The spec's trust record, plus `revoked` (DESIGN §4). */
export interface MeshTrustRecord {
  agentId: string;
  principalId: string;
  trustScore: number;
  lastUpdated: string;
  updateHistory: HistoryItem[];
  signatures: NodeSignature[];
  revoked: boolean;
}

/** Entries that change a trust record. */
export type RecordEntry = Commit | Revocation;

/** Everything about a record except its history, small enough to keep per record and update in place. */
export interface RecordHead {
  agentId: string;
  principalId: string;
  latestUpdate: (OrderKey & { timestamp: string; trustScore: number; signatures: NodeSignature[] }) | null;
  /** Every revocation of the subject, by ledger key (sorted), with when it was issued. */
  revocations: Array<{ key: string; timestamp: string; at: number }>;
  /** Ledger keys of revocations that committed REINSTATEMENTs lifted (sorted, unique). */
  lifted: string[];
}

export const REVOCATION_EVENT = 'REVOCATION';

export function subjectOf(entry: RecordEntry): { agentId: string; principalId: string } {
  const payload = entry.type === 'COMMIT' ? entry.update.payload : entry.payload;
  return { agentId: payload.agentId, principalId: payload.principalId };
}

export function orderOf(entry: RecordEntry): OrderKey {
  const { timestamp, id, origin } = entry.type === 'COMMIT' ? entry.update : entry;
  // Schema-valid timestamps that fail to parse were refused before they could be committed; 0 keeps this total.
  return { at: parseTimestamp(timestamp) ?? 0, id, origin };
}

export function historyItemOf(entry: RecordEntry): HistoryItem {
  return entry.type === 'COMMIT'
    ? { timestamp: entry.update.timestamp, event: entry.update.payload.event, fromNode: entry.update.origin }
    : { timestamp: entry.timestamp, event: REVOCATION_EVENT, fromNode: entry.origin };
}

/** The proof of a committed score: the origin's signature, then each accepting voter's, by node id. */
export function signaturesOf(commit: Commit): NodeSignature[] {
  const votes = commit.votes
    .map((vote) => ({ nodeId: base64urlToHex(vote.o, 32) ?? vote.o, signature: vote.s }))
    .sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  return [{ nodeId: commit.update.origin, signature: commit.update.payload.signature }, ...votes];
}

const later = <T extends OrderKey>(current: T | null, candidate: T): T =>
  current === null || compareOrder(candidate, current) > 0 ? candidate : current;

const sortedUnion = (a: readonly string[], b: readonly string[]): string[] =>
  [...new Set([...a, ...b])].sort();

/**
 * Folds one entry into a head. Commutative, associative and idempotent: the order of entries never matters.
 * A revocation is lifted only by a committed REINSTATEMENT that names it — never by a timestamp race — so a
 * revocation the reinstating validators had not seen still stands.
 */
export function applyToHead(head: RecordHead | null, entry: RecordEntry): RecordHead {
  const next: RecordHead = head
    ? { ...head }
    : { ...subjectOf(entry), latestUpdate: null, revocations: [], lifted: [] };
  if (entry.type === 'REVOCATION') {
    const key = ledgerKey(entry);
    if (!next.revocations.some((revocation) => revocation.key === key)) {
      next.revocations = [
        ...next.revocations,
        { key, timestamp: entry.timestamp, at: orderOf(entry).at },
      ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    return next;
  }
  const { payload, timestamp } = entry.update;
  next.latestUpdate = later(next.latestUpdate, {
    ...orderOf(entry),
    timestamp,
    trustScore: payload.trustScore,
    signatures: signaturesOf(entry),
  });
  if (payload.event === 'REINSTATEMENT' && payload.lifts)
    next.lifted = sortedUnion(next.lifted, payload.lifts);
  return next;
}

/** Ledger keys of the subject's revocations that no committed REINSTATEMENT has lifted. */
export function openRevocations(head: RecordHead): string[] {
  return head.revocations.filter((revocation) => !head.lifted.includes(revocation.key)).map(({ key }) => key);
}

export function isRevoked(head: RecordHead): boolean {
  return openRevocations(head).length > 0;
}

/** The latest revocation by time, for `lastUpdated` when no update committed yet. */
function latestRevocationTime(head: RecordHead): string {
  let latest: { timestamp: string; at: number } | null = null;
  for (const revocation of head.revocations) {
    if (
      latest === null ||
      revocation.at > latest.at ||
      (revocation.at === latest.at && revocation.timestamp > latest.timestamp)
    ) {
      latest = revocation;
    }
  }
  return latest?.timestamp ?? '';
}

/** Builds the public record from a head and its full history (already sorted by order key). */
export function recordFromHead(head: RecordHead, updateHistory: HistoryItem[]): MeshTrustRecord {
  const { latestUpdate } = head;
  return {
    agentId: head.agentId,
    principalId: head.principalId,
    trustScore: latestUpdate?.trustScore ?? 0,
    lastUpdated: latestUpdate?.timestamp ?? latestRevocationTime(head),
    updateHistory,
    signatures: latestUpdate?.signatures ?? [],
    revoked: isRevoked(head),
  };
}

/** Derives a record from a whole set of entries for one subject (duplicates allowed). The reference model. */
export function deriveRecord(entries: readonly RecordEntry[]): MeshTrustRecord | null {
  const unique = new Map<string, RecordEntry>();
  for (const entry of entries) {
    const held = unique.get(ledgerKey(entry));
    if (held === undefined || supersedes(entry, held)) unique.set(ledgerKey(entry), entry);
  }
  let head: RecordHead | null = null;
  for (const entry of unique.values()) head = applyToHead(head, entry);
  if (head === null) return null;
  const history = [...unique.values()]
    .sort((a, b) => compareOrder(orderOf(a), orderOf(b)))
    .map(historyItemOf);
  return recordFromHead(head, history);
}
