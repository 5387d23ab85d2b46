// The options, modules and events of a TrustMeshNode, apart from the class so embedders can import types alone.
import type { ProposalRecord } from '../core/consensus/proposals.js';
import type { Crypto, KeyPair } from '../core/crypto.js';
import type { NodeType } from '../core/engine/types.js';
import type { ErrorCode } from '../core/errors.js';
import type { Commit, CriticalEvent, Message } from '../core/messages/schemas.js';
import type { Network } from '../core/network.js';
import type { PeerScoreParams } from '../core/scoring/peer-score.js';
import type { SignatureVerifier } from '../core/signature-verifier.js';
import type { Clock, Entropy } from '../core/time.js';
import type { Verified } from '../core/verified.js';
import type { Logger } from '../log.js';
import type { DiscoveryOptions } from '../net/kad/interface.js';
import type { LinkBudgetLimits } from '../net/link-budget.js';
import type { AdmissionLimits } from '../net/peers/admission.js';
import type { PeerSummary } from '../net/peers/peer-manager.js';
import type { ConnectionLimits } from '../net/transport/connection.js';
import type { BackoffOptions } from '../net/transport/dialer.js';
import type { NodeStore } from '../store/interface.js';
import type { SyncOptions } from './sync/options.js';
import type { SyncStatus } from './sync/progress.js';

export interface NodeOptions {
  readonly dataDir: string;
  readonly network: Network;
  readonly key: KeyPair;
  readonly type?: NodeType;
  readonly host?: string;
  readonly port?: number;
  /** Host others should dial (defaults to `host`, or 127.0.0.1 when listening on every interface). */
  readonly advertiseHost?: string;
  /** ws:// or wss:// endpoints to keep connections to, besides the network file's bootstrap nodes. */
  readonly peers?: readonly string[];
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Extra CA certificates trusted for outbound wss:// (a private CA or a self-signed peer). */
  readonly tlsCa?: string | Buffer;
  /** Vote on proposals (full nodes do by default, bridges opt in, light nodes never). */
  readonly validator?: boolean;
  readonly maxInboundPeers?: number;
  /** Byte budget of a light node's cache. */
  readonly lightCacheBytes?: number;
  readonly storageSync?: 'full' | 'normal';
  readonly connectionLimits?: Partial<ConnectionLimits>;
  readonly backoff?: BackoffOptions;
  /** Dial the network file's bootstrap endpoints (default true). */
  readonly useBootstrap?: boolean;
  /**
   * Kademlia discovery: lookups, outbound slots (default 8) filled from the routing table, known peers stored.
   * On by default; `{ enabled: false }` keeps only the configured and bootstrap connections.
   */
  readonly discovery?: Partial<DiscoveryOptions>;
  /** Milliseconds between engine ticks (deadlines, announces). */
  readonly tickMs?: number;
  /**
   * Worker threads that check signatures ahead of each turn (0: checked in the turn, on the main thread).
   * Ignored when a verifier module is given.
   */
  readonly verifierThreads?: number;
  /** Inbound admission bounds (non-member slots, per-subnet, handshake pool; see net/peers/admission.ts). */
  readonly admission?: Partial<AdmissionLimits>;
  /** Per-connection budgets for what peers send (see net/link-budget.ts for the defaults and why). */
  readonly linkBudget?: LinkBudgetLimits;
  /** Peer score weights and thresholds (see DEFAULT_PEER_SCORE in core/scoring/peer-score.ts and why). */
  readonly peerScore?: Partial<PeerScoreParams>;
  /** Catch-up and anti-entropy tuning (see DEFAULT_SYNC_OPTIONS in node/sync/syncer.ts). */
  readonly sync?: Partial<SyncOptions>;
  /** Link filter (see PeerManagerOptions.allowPeer): false refuses a link; tests cut partitions with it. */
  readonly allowPeer?: (nodeId: string | null, endpoint: string) => boolean;
}

/** What a node runs on; every one has a default (see modules.ts). Injected modules stay the caller's to close. */
export interface NodeModules {
  readonly logger?: Logger;
  /** Wall clock for protocol timestamps and deadlines. */
  readonly clock?: Clock;
  /** Monotonic clock for turn budgets (performance.now by default). */
  readonly monotonic?: Clock;
  /** Randomness for backoff jitter. */
  readonly random?: () => number;
  /** Message ids and handshake nonces. */
  readonly entropy?: Entropy;
  readonly crypto?: Crypto;
  /** Storage; by default SQLite in the data directory. */
  readonly store?: NodeStore;
  /** Checks signatures ahead of each turn in batches (a VerifierPool uses other cores). */
  readonly verifier?: SignatureVerifier;
}

export interface NodeEvents {
  committed: [commit: Verified<Commit>, proposedHere: boolean];
  proposal: [record: ProposalRecord];
  critical: [event: Verified<CriticalEvent>];
  'peer:connected': [peer: PeerSummary];
  'peer:disconnected': [nodeId: string, code: ErrorCode | null];
  blacklisted: [nodeId: string];
  rotated: [fromId: string, toId: string];
  /** A gossiped or routed message this node accepted from a peer. */
  message: [message: Message, fromPeer: string];
  /** The node hit an error it could not contain (storage failure or a bug) and is stopping. */
  fatal: [error: unknown];
  /** A message refused by the engine or the frame decoder, with the reason. */
  dropped: [peerId: string, type: string, kind: 'ignore' | 'reject', code: ErrorCode];
  /** Sync progress or a change of its state (see syncStatus()). */
  sync: [status: SyncStatus];
}

export interface NodeStatus {
  nodeId: string;
  publicKey: string;
  type: NodeType;
  version: string;
  networkId: string;
  endpoint: string;
  validator: boolean;
  /** Whether the network file (or a rotation from one of its nodes) makes this node a member. */
  member: boolean;
  /** This node's stake, and all active validators' stake, as the committed ledger has them now. */
  stake: number;
  totalStake: number;
  peers: number;
  ledgerEntries: number;
  latestSeq: number;
  pendingProposals: number;
  uptimeMs: number;
}
