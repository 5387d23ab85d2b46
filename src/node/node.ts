// A running Trust Mesh node: wires the pure engine to the WebSocket transport, SQLite, timers and metrics.
// Embeddable (TrustMeshNode.start) and used by the CLI daemon, the devnet and the tests alike.
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import type { ProposalRecord } from '../core/consensus/proposals.js';
import type { KeyPair } from '../core/crypto.js';
import { MeshEngine, type ProposalInput } from '../core/engine/engine.js';
import type { NodeType } from '../core/engine/types.js';
import { TrustMeshError } from '../core/errors.js';
import type { CriticalEvent, KeyRotation } from '../core/messages/schemas.js';
import type { Network } from '../core/network.js';
import type { Signer } from '../core/signing.js';
import type { MeshTrustRecord } from '../core/state/record.js';
import type { Clock } from '../core/time.js';
import type { Verified } from '../core/verified.js';
import { createSigner, generateKeyPair, randomBytes, sodiumCrypto } from '../crypto/sodium.js';
import { type Logger, silentLogger } from '../log.js';
import { createNodeMetrics, type NodeMetrics } from '../metrics.js';
import { PeerManager, type PeerSession, type PeerSummary } from '../net/peers/peer-manager.js';
import { DEFAULT_CONNECTION_LIMITS } from '../net/transport/connection.js';
import { DEFAULT_BACKOFF } from '../net/transport/dialer.js';
import { listen, MESH_PATH, type MeshListener } from '../net/transport/server.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { VERSION } from '../version.js';
import { lockDataDir } from './data-dir-lock.js';
import { InboundPath } from './inbound.js';
import { finishPendingRotation, promotePendingKey, writePendingKey } from './key-file.js';
import { LightLookup } from './light-lookup.js';
import { logCritical, logSettled } from './node-log.js';
import type { NodeEvents, NodeModules, NodeOptions } from './types.js';

export type { NodeEvents, NodeModules, NodeOptions } from './types.js';

const systemClock: Clock = { now: () => Date.now() };
/** How long a settled proposal's status stays answerable (GET /v1/updates/:id); its commit stays forever. */
export const PROPOSAL_RETENTION_MS = 7 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
/** A node alone for this long (and every such period after) logs a warning. */
const ALONE_WARN_AFTER_MS = 30_000;
const SHUTDOWN_TIMEOUT_MS = 4_000;

export class TrustMeshNode extends EventEmitter<NodeEvents> {
  readonly type: NodeType;
  readonly network: Network;
  readonly logger: Logger;
  readonly store: SqliteStore;
  readonly engine: MeshEngine;
  readonly peers: PeerManager;
  readonly metrics: NodeMetrics;
  private listener: MeshListener | null = null;
  private readonly inbound: InboundPath;
  private ticker: NodeJS.Timeout | null = null;
  private signer: Signer;
  private keyPair: KeyPair;
  private readonly clock: Clock;
  private stopping: Promise<void> | null = null;
  private readonly waiters = new Map<string, Array<(record: ProposalRecord) => void>>();
  /** Only light nodes ask others for records they do not hold. */
  private readonly lightLookup: LightLookup | null;
  readonly startedAt: number;

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
    this.clock = modules.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.store = SqliteStore.open(join(options.dataDir, 'trust-mesh.db'), {
      crypto: sodiumCrypto,
      synchronous: options.storageSync ?? 'full',
      ...(this.type === 'light' ? { lightBudgetBytes: options.lightCacheBytes ?? 1024 ** 3 } : {}),
    });
    this.keyPair = finishPendingRotation(
      options.dataDir,
      this.store,
      options.key,
      new Date(this.clock.now()),
    );
    this.signer = createSigner(this.keyPair);
    this.logger = (modules.logger ?? silentLogger()).child({ node: this.signer.nodeId.slice(0, 8) });
    const random = modules.random ?? Math.random;
    const entropy = { messageId: () => crypto.randomUUID(), nonce: () => randomBytes(32) };
    const capabilities = [
      this.type === 'light' ? 'LIGHT_NODE' : 'FULL_NODE',
      ...(this.type === 'bridge' ? ['BRIDGE_NODE'] : []),
    ];
    this.peers = new PeerManager(
      {
        network: this.network,
        capabilities,
        endpoints: [endpoint],
        agent: `trust-mesh/${VERSION}`,
        maxInboundPeers: options.maxInboundPeers ?? 32,
        limits: { ...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits },
        backoff: options.backoff ?? DEFAULT_BACKOFF,
        ...(options.tlsCa === undefined ? {} : { tlsClient: { ca: options.tlsCa } }),
      },
      {
        crypto: sodiumCrypto,
        clock: this.clock,
        entropy,
        random,
        logger: this.logger,
        signer: () => this.signer,
        registry: () => this.engine.registry,
        onEstablished: (session) => this.onPeerEstablished(session),
        onClosed: (session, code) => {
          this.metrics.connections.inc({ code: code ?? 'closed' });
          this.lightLookup?.fullNodesChanged();
          this.defer(() => this.emit('peer:disconnected', session.nodeId!, code));
        },
        onMessage: (session, message, bytes) => this.inbound.enqueue(session, message, bytes),
        onFrameRefused: (session, failure) => {
          this.metrics.dropped.inc({ type: 'frame', outcome: failure.kind, code: failure.code });
          const peerId = session.nodeId ?? session.connection.remoteAddress;
          this.defer(() => this.emit('dropped', peerId, 'frame', failure.kind, failure.code));
        },
      },
    );
    this.engine = new MeshEngine(
      {
        network: this.network,
        signer: this.signer,
        nodeType: this.type,
        votes: this.type !== 'light' && (options.validator ?? this.type === 'full'),
        endpoints: [endpoint],
      },
      {
        crypto: sodiumCrypto,
        clock: this.clock,
        entropy,
        ledger: this.store,
        proposals: this.store,
        output: this.peers,
        events: {
          committed: (commit, proposedHere) => {
            this.metrics.commits.inc();
            this.defer(() => this.emit('committed', commit, proposedHere));
          },
          proposalSettled: (record) => {
            this.metrics.proposals.inc({ state: record.state });
            if (record.state === 'committed' && record.settledAt !== undefined) {
              this.metrics.commitLatency.observe((record.settledAt - record.createdAt) / 1000);
            }
            this.defer(() => this.settled(record));
          },
          critical: (event) => {
            this.metrics.critical.inc({ type: event.type });
            this.defer(() => {
              logCritical(this.logger, event);
              this.emit('critical', event);
            });
          },
          rotated: (fromId, toId) => {
            this.peers.rename(fromId, toId);
            this.defer(() => this.emit('rotated', fromId, toId));
          },
          blacklisted: (nodeId) => this.defer(() => this.emit('blacklisted', nodeId)),
          queryResult: (peerId, result) => this.lightLookup?.onResult(peerId, result),
          accepted: (peerId, message) => {
            if (this.listenerCount('message') > 0) this.defer(() => this.emit('message', message, peerId));
          },
          dropped: (peerId, type, outcome) => {
            this.metrics.dropped.inc({ type, outcome: outcome.kind, code: outcome.code });
            const level = outcome.kind === 'reject' ? 'warn' : 'debug';
            this.logger[level](
              { peer: peerId.slice(0, 12), type, code: outcome.code, detail: outcome.detail },
              'message dropped',
            );
            this.defer(() => this.emit('dropped', peerId, type, outcome.kind, outcome.code));
          },
        },
      },
    );
    this.lightLookup =
      this.type === 'light' ? new LightLookup(this.engine, this.peers, this.store, this.logger) : null;
    this.inbound = new InboundPath({
      engine: () => this.engine,
      atomically: (what, work) => this.atomically(what, work),
      refuse: (session, code, detail) => this.peers.refuse(session, code, detail),
    });
    this.metrics = createNodeMetrics({
      peers: () => this.peers.connectedIds().length,
      inboundQueued: () => this.inbound.queued,
      pendingProposals: () => this.engine.pendingProposals,
      ledgerEntries: () => this.store.size(),
      engineStats: () => ({ ...this.engine.stats }),
      verifierStats: () => ({ ...this.engine.verifier.stats }),
    });
  }

  /** Opens storage, listens, dials peers and bootstrap nodes. */
  static async start(options: NodeOptions, modules: NodeModules = {}): Promise<TrustMeshNode> {
    const host = options.host ?? '127.0.0.1';
    let node: TrustMeshNode | null = null;
    const pending: Array<[WebSocket, IncomingMessage]> = [];
    // The data directory first: a second copy of a running node must be told so, not that its port is taken.
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const unlock = lockDataDir(options.dataDir);
    let listener: MeshListener;
    try {
      listener = await listen(
        {
          host,
          port: options.port ?? 8080,
          maxFrameBytes: options.network.params.maxFrameBytes,
          tls: options.tls,
        },
        (socket, request) => {
          if (node === null) pending.push([socket, request]);
          else node.accept(socket, request);
        },
      );
    } catch (error) {
      unlock();
      throw error;
    }
    const advertised = options.advertiseHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
    const scheme = options.tls ? 'wss' : 'ws';
    const endpoint = `${scheme}://${advertised.includes(':') ? `[${advertised}]` : advertised}:${listener.port}${MESH_PATH}`;
    try {
      node = new TrustMeshNode(options, modules, endpoint, listener.port, unlock);
    } catch (error) {
      await listener.close();
      unlock();
      throw error;
    }
    node.listener = listener;
    for (const [socket, request] of pending) node.accept(socket, request);
    node.begin();
    return node;
  }

  private begin(): void {
    for (const url of this.options.peers ?? []) this.peers.addTarget(url);
    if (this.options.useBootstrap ?? true) {
      for (const node of this.network.nodes) {
        if (node.endpoint !== undefined && node.nodeId !== this.nodeId)
          this.peers.addTarget(node.endpoint, node.publicKey);
      }
    }
    this.peers.start();
    this.ticker = setInterval(() => this.tick(), this.options.tickMs ?? 250);
    this.logger.info(
      {
        nodeId: this.nodeId,
        type: this.type,
        endpoint: this.endpoint,
        network: this.network.networkId,
        validator: this.engine.votes,
      },
      'node started',
    );
    const stake = this.engine.registry.totalActiveStake();
    if (stake === 0)
      this.logger.warn(
        { network: this.network.networkId },
        'network has no staked validators: updates cannot commit',
      );
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    const address = `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
    this.peers.attach(socket, false, address);
  }

  get nodeId(): string {
    return this.signer.nodeId;
  }

  get publicKey(): string {
    return this.signer.publicKey;
  }

  // ---- Inbound path ------------------------------------------------------------------------------------

  private onPeerEstablished(session: PeerSession): void {
    this.atomically('greeting a new peer', () => this.engine.peerConnected(session.nodeId!));
    this.lightLookup?.fullNodesChanged();
    const summary = this.peers.summaries().find((peer) => peer.nodeId === session.nodeId);
    if (summary) this.defer(() => this.emit('peer:connected', summary));
  }

  private lastPrune = Number.NEGATIVE_INFINITY;

  private lonelySince: number | null = null;

  /** Says so when a node has had no peer for a while: nothing it proposes can reach anyone. */
  private warnIfAlone(now: number): void {
    if (this.peers.connectedIds().length > 0) {
      this.lonelySince = null;
      return;
    }
    this.lonelySince ??= now;
    if (now - this.lonelySince >= ALONE_WARN_AFTER_MS) {
      this.lonelySince = now;
      this.logger.warn(
        { dialling: this.peers.targetList().map((target) => target.url) },
        'no peer connected: check --peer, the network file endpoints, and that they are reachable',
      );
    }
  }

  private tick(): void {
    try {
      const now = this.clock.now();
      this.warnIfAlone(now);
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        this.atomically('pruning settled proposals', () =>
          this.store.pruneProposals(now - PROPOSAL_RETENTION_MS),
        );
      }
      this.atomically('advancing time', () => this.engine.tick());
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
      return this.store.transaction(work);
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
    queueMicrotask(() => {
      if (this.failure === null) emit();
    });
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
    return structuredClone(this.atomically('proposing', () => this.engine.propose(input, overrides)));
  }

  /** Resolves when the proposal commits, is rejected or expires. */
  whenSettled(id: string): Promise<ProposalRecord> {
    const current = this.engine.proposalStatus(id);
    if (current === null) return Promise.reject(new TrustMeshError('TM_ERR_NOT_FOUND', `no proposal ${id}`));
    if (current.state !== 'pending') return Promise.resolve(current);
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  proposal(id: string): ProposalRecord | null {
    return this.engine.proposalStatus(id);
  }

  revoke(input: { agentId: string; principalId: string; reason: string }): Verified<CriticalEvent> {
    this.assertRunning();
    return this.atomically('revoking', () => this.engine.revoke(input));
  }

  alert(input: Parameters<MeshEngine['alert']>[0]): Verified<CriticalEvent> {
    this.assertRunning();
    return this.atomically('raising an alert', () => this.engine.alert(input));
  }

  /** The record as stored here (a light node's cache may lack it: see lookupRecord). */
  record(agentId: string, principalId: string): MeshTrustRecord | null {
    return this.store.record(agentId, principalId);
  }

  /** The record; a light node first fetches and verifies it from full nodes unless it holds it whole. */
  async lookupRecord(agentId: string, principalId: string): Promise<MeshTrustRecord | null> {
    await this.lightLookup?.ensureRecord(agentId, principalId);
    return this.store.record(agentId, principalId);
  }

  /** Every principal's record for one agent; a light node asks full nodes first. */
  async lookupAgent(agentId: string): Promise<MeshTrustRecord[]> {
    await this.lightLookup?.ensureAgent(agentId);
    return this.store.recordsOfAgent(agentId);
  }

  stateHash(): string {
    return this.store.stateHash();
  }

  /**
   * Rotates this node's key. The new key is on disk (pending) before the rotation is stored, and becomes the
   * node's key only after: a crash at any point leaves the old identity or the new one, never neither.
   */
  rotateKey(next: KeyPair = generateKeyPair()): Verified<KeyRotation> {
    this.assertRunning();
    const { dataDir } = this.options;
    writePendingKey(dataDir, next, new Date(this.clock.now()));
    const rotation = this.atomically('rotating the key', () => this.engine.rotateKey(createSigner(next)));
    promotePendingKey(dataDir, this.keyPair, new Date(this.clock.now()));
    this.keyPair = next;
    this.signer = createSigner(next);
    this.logger.info(
      { from: rotation.origin.slice(0, 12), to: rotation.newNodeId.slice(0, 12) },
      'rotated node key',
    );
    return rotation;
  }

  peerSummaries(): PeerSummary[] {
    return this.peers.summaries();
  }

  status() {
    return {
      nodeId: this.nodeId,
      publicKey: this.publicKey,
      type: this.type,
      version: VERSION,
      networkId: this.network.networkId,
      endpoint: this.endpoint,
      validator: this.engine.votes,
      peers: this.peers.connectedIds().length,
      ledgerEntries: this.store.size(),
      pendingProposals: this.engine.pendingProposals,
      uptimeMs: this.clock.now() - this.startedAt,
    };
  }

  // ---- Shutdown ----------------------------------------------------------------------------------------

  /** Closes sockets (code 1001), stops timers and closes storage; resolves within a few seconds. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.inbound.stop();
    this.lightLookup?.stop();
    this.peers.stop();
    const closing = this.listener?.close() ?? Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      closing,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    for (const socket of this.peers.openSockets()) socket.terminate();
    this.store.close();
    this.unlock();
    for (const [id, waiters] of this.waiters) {
      const record = this.engine.proposalStatus(id);
      if (record) for (const resolve of waiters) resolve(record);
    }
    this.waiters.clear();
    this.logger.info('node stopped');
  }
}
