// What a node needs from its storage beyond the core's Ledger and ProposalLog: reads for the API and the light
// node, proposal pruning, peers, and closing. SqliteStore implements it; a node may be given another.
import type { ProposalLog } from '../core/consensus/proposals.js';
import type { Ledger } from '../core/ledger.js';
import type { LedgerEntry, PeerInfo } from '../core/messages/schemas.js';
import type { HistoryItem } from '../core/state/record.js';

export interface SequencedEntry {
  seq: number;
  entry: LedgerEntry;
}

export type StoredPeer = PeerInfo & { lastSeenMs: number };

/** entries, records; bytes = sum of the stored entries' JSON sizes; evicted = entries evicted since open. */
export interface StoreStats {
  entries: number;
  records: number;
  bytes: number;
  evicted: number;
}

export interface NodeStore extends Ledger, ProposalLog {
  /** Entries of every type stored after `seq`, oldest first: a resumable change stream keyed by seq. */
  entriesSince(seq: number, limit: number): SequencedEntry[];
  /** The highest seq ever assigned; 0 for an empty store. */
  latestSeq(): number;
  /** One page of a record's history in (timestamp, id) order, with the history's full length. */
  history(
    agentId: string,
    principalId: string,
    offset: number,
    limit: number,
  ): { items: HistoryItem[]; total: number };
  stats(): StoreStats;
  /** Marks a subject as just used, so a light node evicts it last. */
  touch(agentId: string, principalId: string): void;
  /** Subjects most recently used first (what a light node refreshes after an outage). */
  recentSubjects(limit: number): Array<{ agentId: string; principalId: string }>;
  /** Forgets settled proposals last changed before `beforeMs`; their commits stay in the ledger. */
  pruneProposals(beforeMs: number): number;
  savePeer(peer: StoredPeer): void;
  loadPeers(limit: number): StoredPeer[];
  forgetPeer(nodeId: string): void;
  close(): void;
}
