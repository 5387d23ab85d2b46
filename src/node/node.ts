// A running Trust Mesh node: wires the pure engine to the WebSocket transport, storage, timers and metrics.
// Embeddable (TrustMeshNode.start); its public surface (reads, actions, events) is all the API, CLI and devnet use.
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { ProposalRecord } from '../core/consensus/proposals.js';
import type { KeyPair } from '../core/crypto.js';
import type { MeshEngine, ProposalInput } from '../core/engine/engine.js';
import type { NodeType } from '../core/engine/types.js';
import { TrustMeshError } from '../core/errors.js';
import type { CriticalEvent, KeyRotation } from '../core/messages/schemas.js';
import type { Network } from '../core/network.js';
import type { Signer } from '../core/signing.js';
import type { HistoryItem, MeshTrustRecord } from '../core/state/record.js';
import type { Verified } from '../core/verified.js';
import { createSigner, generateKeyPair } from '../crypto/sodium.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics.js';
import type { RoutingSnapshot } from '../net/kad/interface.js';
import type { PeerSummary } from '../net/peers/peer-manager.js';
import type { MeshListener } from '../net/transport/server.js';
import type { SequencedEntry } from '../store/interface.js';
import { finishPendingRotation, promotePendingKey, writePendingKey } from './key-file.js';
import { openListener } from './listener.js';
import { logSettled } from './node-log.js';
import { NodeParts } from './parts.js';
import type { SyncStatus } from './sync/progress.js';
import type { NodeEvents, NodeModules, NodeOptions, NodeStatus } from './types.js';

export type { SyncStatus } from './sync/progress.js';
export type { NodeEvents, NodeModules, NodeOptions, NodeStatus } from './types.js';

/** How long a settled proposal's status stays answerable (GET /v1/updates/:id); its commit stays forever. */
export const PROPOSAL_RETENTION_MS = 7 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
const SHUTDOWN_TIMEOUT_MS = 4_000;

export class TrustMeshNode extends EventEmitter<NodeEvents> {
  readonly type: NodeType;
  readonly network: Network;
  readonly logger: Logger;
  readonly startedAt: number;
  private readonly parts: NodeParts;
  private listener: MeshListener | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private keyPair: KeyPair;
  private stopping: Promise<void> | null = null;
  private readonly waiters = new Map<string, Array<(record: ProposalRecord) => void>>();

  private constructor(
    private readonly options: NodeOptions,
    modules: NodeModules,
    readonly endpoint: string,
    readonly port: number,
    private readonly unlock: () => void,
  ) {
    super();
    this.type = options.type ?? 'full';
    this.network = options.network;
    this.parts = new NodeParts(options, modules, endpoint, {
      keyPair: (store, clock) =>
        finishPendingRotation(options.dataDir, store, options.key, new Date(clock.now())),
      defer: (work) => this.defer(work),
      emit: (event, ...args) => (this.emit as (name: string, ...rest: unknown[]) => boolean)(event, ...args),
      wantsMessages: () => this.listenerCount('message') > 0,
      settled: (record) => this.settled(record),
      atomically: (what, work) => this.atomically(what, work),
    });
    this.keyPair = this.parts.keyPair;
    this.logger = this.parts.logger;
    this.startedAt = this.parts.clock.now();
  }

  /** Opens storage, listens, dials peers and bootstrap nodes. */
  static async start(options: NodeOptions, modules: NodeModules = {}): Promise<TrustMeshNode> {
    let node: TrustMeshNode | null = null;
    const opened = await openListener(options, (socket, request) => node?.accept(socket, request));
    try {
      node = new TrustMeshNode(options, modules, opened.endpoint, opened.listener.port, opened.unlock);
    } catch (error) {
      await opened.close();
      throw error;
    }
    node.listener = opened.listener;
    opened.release();
    node.begin();
    return node;
  }

  private begin(): void {
    const { engine } = this.parts;
    this.parts.startWork(this.options);
    this.ticker = setInterval(() => this.tick(), this.options.tickMs ?? 250);
    this.logger.info(
      {
        nodeId: this.nodeId,
        type: this.type,
        endpoint: this.endpoint,
        network: this.network.networkId,
        validator: engine.votes,
        verifierThreads: this.parts.verifier?.threads ?? 0,
      },
      'node started',
    );
    if (engine.registry.totalActiveStake() === 0)
      this.logger.warn(
        { network: this.network.networkId },
        'network has no staked validators: updates cannot commit',
      );
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    const address = `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
    this.parts.peers.attach(socket, false, address);
  }

  get nodeId(): string {
    return this.parts.engine.nodeId;
  }

  get publicKey(): string {
    return this.parts.engine.publicKey;
  }

  get metrics(): NodeMetrics {
    return this.parts.metrics;
  }

  private lastPrune = Number.NEGATIVE_INFINITY;

  private tick(): void {
    const { store, engine, frames } = this.parts;
    try {
      const now = this.parts.clock.now();
      this.parts.warnIfAlone(now);
      frames.prune();
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        this.atomically('pruning settled proposals', () => store.pruneProposals(now - PROPOSAL_RETENTION_MS));
      }
      this.atomically('advancing time', () => engine.tick());
    } catch {
      // fail() already stopped the node.
    }
  }

  /**
   * Runs engine work in one storage transaction. If it throws (a storage failure, or a bug), the transaction
   * rolls back but the engine's memory and its queued frames and events may already reflect the work: the
   * node cannot tell what it has said, so it stops (fail-stop) rather than go on diverged. The error rethrows.
   */
  private atomically<T>(what: string, work: () => T): T {
    try {
      return this.parts.store.transaction(work);
    } catch (error) {
      this.fail(error, what);
      throw error;
    }
  }

  /** Set once the node hit an error it cannot contain; from then on nothing more leaves it. */
  private failure: unknown = null;

  private fail(error: unknown, what: string): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.logger.fatal(
      { err: error },
      `${what} failed; stopping the node so that nothing unrecorded leaves it`,
    );
    // Stopping closes every connection now, before the microtasks that would flush this turn's frames.
    void this.stop();
    this.emit('fatal', error);
  }

  /**
   * Events leave after the current synchronous work — and so after the transaction that stored their data —
   * and not at all if that work failed.
   */
  private defer(emit: () => void): void {
    // One microtask for all of a turn's events: a flood of dropped frames emits one event per frame.
    if (this.deferred.push(emit) === 1) queueMicrotask(() => this.emitDeferred());
  }

  private deferred: Array<() => void> = [];

  private emitDeferred(): void {
    const batch = this.deferred;
    this.deferred = [];
    for (const emit of batch) {
      if (this.failure !== null) return;
      try {
        emit();
      } catch (error) {
        // As when each had a microtask of its own: the error is still uncaught, and the others still leave.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private settled(record: ProposalRecord): void {
    logSettled(this.logger, record);
    this.emit('proposal', record);
    const waiters = this.waiters.get(record.id);
    if (waiters === undefined) return;
    this.waiters.delete(record.id);
    for (const resolve of waiters) resolve(record);
  }

  // ---- Local actions -----------------------------------------------------------------------------------

  /** False once stop() has begun: the node accepts no more work and its storage is closing. */
  get running(): boolean {
    return this.stopping === null;
  }

  private assertRunning(): void {
    if (this.stopping !== null) throw new TrustMeshError('TM_ERR_NOT_RUNNING');
  }

  /** Proposes a trust update; returns at once with its pending record (see whenSettled). */
  submit(input: ProposalInput, overrides: { timestamp?: string } = {}): ProposalRecord {
    this.assertRunning();
    return structuredClone(this.atomically('proposing', () => this.parts.engine.propose(input, overrides)));
  }

  /** Resolves when the proposal commits, is rejected or expires. */
  whenSettled(id: string): Promise<ProposalRecord> {
    const current = this.parts.engine.proposalStatus(id);
    if (current === null) return Promise.reject(new TrustMeshError('TM_ERR_NOT_FOUND', `no proposal ${id}`));
    if (current.state !== 'pending') return Promise.resolve(current);
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  proposal(id: string): ProposalRecord | null {
    return this.parts.engine.proposalStatus(id);
  }

  revoke(input: { agentId: string; principalId: string; reason: string }): Verified<CriticalEvent> {
    this.assertRunning();
    return this.atomically('revoking', () => this.parts.engine.revoke(input));
  }

  alert(input: Parameters<MeshEngine['alert']>[0]): Verified<CriticalEvent> {
    this.assertRunning();
    return this.atomically('raising an alert', () => this.parts.engine.alert(input));
  }

  /** Keeps a connection to this endpoint (dialled now and redialled with backoff); `pinnedKey` if known. */
  addPeer(url: string, pinnedKey?: string): void {
    this.parts.peers.addTarget(url, pinnedKey);
  }

  /**
   * Rotates this node's key. The new key is on disk (pending) before the rotation is stored, and becomes the
   * node's key only after: a crash at any point leaves the old identity or the new one, never neither.
   */
  rotateKey(next: KeyPair = generateKeyPair()): Verified<KeyRotation> {
    this.assertRunning();
    const { dataDir } = this.options;
    const { engine, clock } = this.parts;
    writePendingKey(dataDir, next, new Date(clock.now()));
    const signer: Signer = createSigner(next);
    const rotation = this.atomically('rotating the key', () => engine.rotateKey(signer));
    promotePendingKey(dataDir, this.keyPair, new Date(clock.now()));
    this.keyPair = next;
    this.logger.info(
      { from: rotation.origin.slice(0, 12), to: rotation.newNodeId.slice(0, 12) },
      'rotated node key',
    );
    return rotation;
  }

  // ---- Reads ---------------------------------------------------------------------------------------------

  /** The record as stored here (a light node's cache may lack it: see lookupRecord). */
  record(agentId: string, principalId: string): MeshTrustRecord | null {
    return this.parts.store.record(agentId, principalId);
  }

  /** The record; a light node first fetches and verifies it from full nodes unless it holds it whole. */
  async lookupRecord(agentId: string, principalId: string): Promise<MeshTrustRecord | null> {
    await this.parts.lightLookup?.ensureRecord(agentId, principalId);
    return this.parts.store.record(agentId, principalId);
  }

  /** Every principal's record for one agent; a light node asks full nodes first. */
  async lookupAgent(agentId: string): Promise<MeshTrustRecord[]> {
    await this.parts.lightLookup?.ensureAgent(agentId);
    return this.parts.store.recordsOfAgent(agentId);
  }

  /** One page of a record's history as stored here, oldest first, with the history's full length. */
  history(
    agentId: string,
    principalId: string,
    offset: number,
    limit: number,
  ): { items: HistoryItem[]; total: number } {
    return this.parts.store.history(agentId, principalId, offset, limit);
  }

  /** Ledger entries stored after `seq`, oldest first (the change stream's source). */
  entriesSince(seq: number, limit: number): SequencedEntry[] {
    return this.parts.store.entriesSince(seq, limit);
  }

  /** The highest ledger seq assigned here; 0 for an empty ledger. */
  latestSeq(): number {
    return this.parts.store.latestSeq();
  }

  stateHash(): string {
    return this.parts.store.stateHash();
  }

  /** Connected peers, each with its current score (see core/scoring/peer-score.ts). */
  peerSummaries(): Array<PeerSummary & { score: number }> {
    const { peers, judge } = this.parts;
    return peers
      .summaries()
      .map((peer) => ({ ...peer, score: Math.round(judge.scoreOf(peer.nodeId) * 10) / 10 }));
  }

  /** The Kademlia routing table: its size, fill per bucket, candidates heard of, lookups run. */
  routingTable(): RoutingSnapshot {
    return this.parts.discovery.snapshot();
  }

  connectedPeers(): string[] {
    return this.parts.peers.connectedIds();
  }

  isConnectedTo(nodeId: string): boolean {
    return this.parts.peers.isConnected(nodeId);
  }

  /** Every public key the registry holds (network file, applied rotations), by node id. */
  publicKeys(): Array<{ nodeId: string; publicKey: string }> {
    return this.parts.engine.registry.publicKeys();
  }

  /** Whether `nodeId` (or the key it rotated to) is blacklisted here. */
  isBlacklisted(nodeId: string): boolean {
    return this.parts.engine.registry.isBlacklisted(nodeId);
  }

  status(): NodeStatus {
    return this.parts.status(this.type, this.endpoint, this.startedAt);
  }

  /** Whether the node has caught up (ready: votes, answers queries) and how far sync got; see node/sync. */
  syncStatus(): SyncStatus {
    return this.parts.syncStatus();
  }

  /** Counters since start: the engine's, the signature checks', and duplicate frames dropped unparsed. */
  stats() {
    return this.parts.stats();
  }

  /** Closes sockets (code 1001), stops timers and closes storage; resolves within a few seconds. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    const { peers } = this.parts;
    this.parts.stopWork();
    const closing = this.listener?.close() ?? Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      closing,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    for (const socket of peers.openSockets()) socket.terminate();
    // Before the store closes: a proposal no longer held in memory is read from it.
    for (const [id, waiters] of this.waiters) {
      const record = this.parts.engine.proposalStatus(id);
      if (record) for (const resolve of waiters) resolve(record);
    }
    this.waiters.clear();
    await this.parts.close();
    this.unlock();
    this.logger.info('node stopped');
  }
}
