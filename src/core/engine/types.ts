// The engine's contract with the shell around it: configuration, injected modules, effects out, events up.
// The daemon implements these with sockets and SQLite; the simulator with in-memory queues and a virtual clock.

import type { ProposalLog, ProposalRecord } from '../consensus/proposals.js';
import type { Crypto } from '../crypto.js';
import type { ErrorCode } from '../errors.js';
import type { TreeOptions } from '../gossip/tree.js';
import type { Ledger } from '../ledger.js';
import type {
  Commit,
  CriticalEvent,
  Message,
  Nodes,
  PeerInfo,
  QueryResult,
  SyncRequest,
  SyncResponse,
} from '../messages/schemas.js';
import type { Network } from '../network.js';
import type { Outcome } from '../outcome.js';
import type { Signer } from '../signing.js';
import type { Clock, Entropy } from '../time.js';
import type { Verified } from '../verified.js';

export type NodeType = 'full' | 'light' | 'bridge';

export interface EngineOptions {
  readonly network: Network;
  readonly signer: Signer;
  readonly nodeType: NodeType;
  /** Whether this node votes on proposals; never true for light nodes. */
  readonly votes: boolean;
  /** Where this node accepts connections, as announced to others. */
  readonly endpoints: readonly string[];
  /** How often a node re-announces itself (ms). */
  readonly announceIntervalMs?: number;
  /** This node's admission proof of work for its current id, if it is not in the network file. */
  readonly work?: () => string | undefined;
  /** The dissemination tree's timing (core/gossip/tree.ts DEFAULT_TREE when left out). */
  readonly tree?: Partial<TreeOptions>;
}

/** Effects the engine asks of its transport; all by peer node id, never by socket. */
export interface EngineOutput {
  /** Queues a message for one connected neighbour; false when it is not connected. */
  send(peerId: string, message: Message): boolean;
  /** Queues a message for every connected neighbour except those in `except` (the sender, lazy or holding it). */
  broadcast(message: Message, except?: ReadonlySet<string>): void;
  isConnected(peerId: string): boolean;
  disconnect(peerId: string, code: ErrorCode): void;
}

export interface EngineEvents {
  /** A commit was verified and stored (made here when `proposedHere`). */
  committed?(commit: Verified<Commit>, proposedHere: boolean): void;
  /** A proposal made here committed, was rejected, or expired. */
  proposalSettled?(record: ProposalRecord): void;
  /** A critical event was verified and applied. */
  critical?(event: Verified<CriticalEvent>): void;
  /** A node's identity moved to a new key (connections to it should be renamed). */
  rotated?(fromId: string, toId: string): void;
  blacklisted?(nodeId: string): void;
  queryResult?(peerId: string, result: QueryResult): void;
  /** A neighbour's NODES answer (to a FIND_NODE this node's discovery sent); checked by the discovery. */
  nodes?(peerId: string, answer: Nodes): void;
  /** A sync request or answer from a neighbour (served and consumed by the shell's sync layer). */
  sync?(peerId: string, message: SyncRequest | SyncResponse): void;
  /** A gossiped or routed message passed every check (after it was applied, before it is forwarded). */
  accepted?(peerId: string, message: Message): void;
  /** Every message this node did not accept, with why (for logs and metrics). */
  dropped?(
    peerId: string,
    type: Message['type'],
    outcome: Outcome<unknown> & { kind: 'ignore' | 'reject' },
  ): void;
}

export interface EngineModules {
  readonly crypto: Crypto;
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly ledger: Ledger;
  readonly proposals: ProposalLog;
  readonly output: EngineOutput;
  readonly events?: EngineEvents;
  /**
   * Where FIND_NODE answers come from: the routing table of nodes this node reached itself. Without one, the
   * announce book answers (signed announces this node holds).
   */
  readonly directory?: NodeDirectory;
}

/** The closest nodes to an id that this node would vouch for, as NODES entries. */
export interface NodeDirectory {
  closest(target: string, k: number): PeerInfo[];
}

/** Plain counters, read by metrics and `status`. */
export interface EngineStats {
  received: number;
  accepted: number;
  ignored: number;
  rejected: number;
  /** Duplicates dropped before any signature check. */
  duplicatesDropped: number;
  forwarded: number;
  votesCast: number;
  commitsApplied: number;
  criticalApplied: number;
}
