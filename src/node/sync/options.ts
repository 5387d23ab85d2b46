// The options of node sync and what it runs on: defaults for every knob, and the parts of the node it uses.
// Kept apart from syncer.ts so embedders can import the option types alone.
import type { Crypto } from '../../core/crypto.js';
import type { MeshEngine } from '../../core/engine/engine.js';
import type { Network } from '../../core/network.js';
import type { SignatureVerifier } from '../../core/signature-verifier.js';
import type { Clock } from '../../core/time.js';
import type { Logger } from '../../log.js';
import type { NodeMetrics } from '../../metrics.js';
import type { PeerManager } from '../../net/peers/peer-manager.js';
import type { SyncTables } from '../../store/sync-tables.js';
import type { StoreSyncView } from './ledger-view.js';
import type { SyncStatus } from './progress.js';

export interface SyncOptions {
  /** Period of the anti-entropy round with a few peers (default 24 h); rounds also run after each connection. */
  readonly antiEntropyMs: number;
  /** A full node that has had no full peer this long after start counts as caught up (a network's first node). */
  readonly aloneGraceMs: number;
  /** How long one sync request may wait for its answer. */
  readonly requestTimeoutMs: number;
  /** Sync requests outstanding per peer at most. */
  readonly maxRequestsPerPeer: number;
  /** Full nodes compared with per round at most (all when fewer are connected). */
  readonly peersPerRound: number;
  /** Wait after a connection before a round, so peers connecting together are compared in one round. */
  readonly settleMs: number;
  /**
   * While catching up with fewer than 3 full peers connected, the first round waits up to this long after the
   * first connection for more, so that what it downloads comes from several peers (connections under load can
   * take longer than settleMs).
   */
  readonly gatherMs: number;
  /** A round that reached no peer while catching up is tried again after this long. */
  readonly retryMs: number;
  /** How long after its epoch a block counts as closed (default 2 × clockSkewMs). */
  readonly blockGraceMs?: number;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  antiEntropyMs: 24 * 3_600_000,
  aloneGraceMs: 3_000,
  requestTimeoutMs: 5_000,
  maxRequestsPerPeer: 4,
  peersPerRound: 8,
  settleMs: 150,
  gatherMs: 1_000,
  retryMs: 2_000,
};

export interface SyncDeps {
  readonly crypto: Crypto;
  readonly network: Network;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
  readonly engine: MeshEngine;
  /** The node's worker-pool verifier, if any: synced parts are checked on it before their import. */
  readonly verifier?: SignatureVerifier | null;
  readonly peers: PeerManager;
  readonly tables: SyncTables;
  readonly view: StoreSyncView;
  readonly atomically: <T>(what: string, work: () => T) => T;
  /** Progress or a change of state, for the node's 'sync' event. */
  readonly changed: (status: SyncStatus) => void;
  /** A SYNC_REFUSED nobody here waits for (a refused light-node QUERY). */
  readonly unmatchedRefusal: (peerId: string, id: string) => void;
}
