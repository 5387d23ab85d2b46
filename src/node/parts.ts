// The parts of a running node and how they are wired: storage, key, engine, peers, inbound path, light lookups,
// metrics. TrustMeshNode is the facade over them; tests reach them through internals.ts, nothing else does.

import { solveWork } from '../core/admission/work.js';
import type { ProposalRecord } from '../core/consensus/proposals.js';
import type { Crypto, KeyPair } from '../core/crypto.js';
import { MeshEngine } from '../core/engine/engine.js';
import type { NodeType } from '../core/engine/types.js';
import type { Network } from '../core/network.js';
import type { SignatureVerifier } from '../core/signature-verifier.js';
import type { Clock } from '../core/time.js';
import { createSigner, randomBytes } from '../crypto/sodium.js';
import type { Logger } from '../log.js';
import { createNodeMetrics, type NodeMetrics } from '../metrics.js';
import { DuplicateFrameFilter } from '../net/duplicate-frames.js';
import { Discovery } from '../net/kad/discovery.js';
import { DEFAULT_DISCOVERY } from '../net/kad/interface.js';
import { LinkBudgets } from '../net/link-budget.js';
import { PeerManager } from '../net/peers/peer-manager.js';
import { DEFAULT_CONNECTION_LIMITS } from '../net/transport/connection.js';
import { DEFAULT_BACKOFF } from '../net/transport/dialer.js';
import type { NodeStore } from '../store/interface.js';
import { syncTablesOf } from '../store/sync-tables.js';
import { VERSION } from '../version.js';
import { dropCopy, rememberHandled } from './duplicate-copies.js';
import { engineEvents } from './engine-events.js';
import { InboundPath } from './inbound.js';
import { DEFAULT_LIGHT_LOOKUP, LightLookup } from './light-lookup.js';
import { resolveModules } from './modules.js';
import { PeerJudge } from './peer-judge.js';
import { StoreSyncView } from './sync/ledger-view.js';
import { SyncProgress, type SyncStatus } from './sync/progress.js';
import { DEFAULT_SYNC_OPTIONS, NodeSync } from './sync/syncer.js';
import type { NodeEvents, NodeModules, NodeOptions, NodeStatus } from './types.js';

/** A node alone for this long (and every such period after) logs a warning. */
const ALONE_WARN_AFTER_MS = 30_000;

/** What the facade lends its parts: key recovery, deferred events, its emitter, fail-stop transactions. */
export interface NodeHooks {
  readonly keyPair: (store: NodeStore, clock: Clock) => KeyPair;
  readonly defer: (work: () => void) => void;
  readonly emit: <K extends keyof NodeEvents>(event: K, ...args: NodeEvents[K]) => void;
  readonly wantsMessages: () => boolean;
  readonly settled: (record: ProposalRecord) => void;
  readonly atomically: <T>(what: string, work: () => T) => T;
}

export class NodeParts {
  readonly store: NodeStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly keyPair: KeyPair;
  readonly engine: MeshEngine;
  readonly peers: PeerManager;
  readonly metrics: NodeMetrics;
  readonly inbound: InboundPath;
  readonly frames: DuplicateFrameFilter;
  readonly judge: PeerJudge;
  readonly verifier: SignatureVerifier | null;
  /** Only light nodes ask others for records they do not hold. */
  readonly lightLookup: LightLookup | null;
  readonly discovery: Discovery;
  /** Full and bridge nodes catch up and serve sync; light nodes refresh what they hold (LightLookup). */
  readonly sync: NodeSync | null;
  private readonly networkId: string;
  private readonly network: Network;
  private readonly crypto: Crypto;
  private readonly monotonic: Clock;
  private readonly owned: { readonly store: boolean; readonly verifier: boolean };

  constructor(options: NodeOptions, injected: NodeModules, endpoint: string, hooks: NodeHooks) {
    const type = options.type ?? 'full';
    const network = options.network;
    this.networkId = network.networkId;
    this.network = network;
    const modules = resolveModules(options, injected);
    this.crypto = modules.crypto;
    this.monotonic = modules.monotonic;
    this.store = modules.store;
    this.clock = modules.clock;
    this.verifier = modules.verifier;
    this.owned = modules.owned;
    try {
      this.keyPair = hooks.keyPair(this.store, this.clock);
    } catch (error) {
      void this.close();
      throw error;
    }
    const signer = createSigner(this.keyPair);
    this.logger = modules.logger.child({ node: signer.nodeId.slice(0, 8) });
    const { clockSkewMs, proposalTimeoutMs } = network.params;
    this.judge = new PeerJudge(
      this.clock,
      this.logger,
      (session, code, detail) => this.peers.refuse(session, code, detail),
      options.peerScore,
      options.network.params.rateLimitPerMinute,
    );
    this.frames = new DuplicateFrameFilter(2 * clockSkewMs + proposalTimeoutMs, this.clock);
    const capabilities = [
      type === 'light' ? 'LIGHT_NODE' : 'FULL_NODE',
      ...(type === 'bridge' ? ['BRIDGE_NODE'] : []),
    ];
    this.metrics = createNodeMetrics({
      peers: () => this.peers.connectedIds().length,
      inboundQueued: () => this.inbound.queued,
      pendingProposals: () => this.engine.pendingProposals,
      ledgerEntries: () => this.store.size(),
      engineStats: () => ({ ...this.engine.stats }),
      verifierStats: () => ({ ...this.engine.verifier.stats }),
      duplicateFrames: () => this.frames.dropped,
      routingTableSize: () => this.discovery.table.size,
      discoveryStats: () => ({ ...this.discovery.stats }),
      peerScores: () =>
        this.peers.connectedIds().map((nodeId) => ({ nodeId, score: this.judge.scoreOf(nodeId) })),
      sync: () => {
        const { ready, blocksTotal, blocksDone } = this.syncStatus();
        return { synced: ready, lagBlocks: blocksTotal - blocksDone };
      },
    });
    this.peers = new PeerManager(
      {
        network,
        capabilities,
        endpoints: [endpoint],
        agent: `trust-mesh/${VERSION}`,
        maxInboundPeers: options.maxInboundPeers ?? 32,
        limits: { ...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits },
        backoff: options.backoff ?? DEFAULT_BACKOFF,
        ...(options.tlsCa === undefined ? {} : { tlsClient: { ca: options.tlsCa } }),
        ...(options.admission === undefined ? {} : { admission: options.admission }),
        ...(options.allowPeer === undefined ? {} : { allowPeer: options.allowPeer }),
      },
      {
        crypto: modules.crypto,
        clock: this.clock,
        entropy: modules.entropy,
        random: modules.random,
        logger: this.logger,
        signer: () => this.engine.signer,
        registry: () => this.engine.registry,
        onEstablished: (session) => {
          this.judge.connected(session);
          hooks.atomically('greeting a new peer', () => this.engine.peerConnected(session.nodeId!));
          this.discovery.established(session);
          this.lightLookup?.fullNodesChanged();
          this.sync?.peerConnected();
          const summary = this.peers.summaries().find((peer) => peer.nodeId === session.nodeId);
          if (summary) hooks.defer(() => hooks.emit('peer:connected', summary));
        },
        onClosed: (session, code) => {
          this.metrics.connections.inc({ code: code ?? 'closed' });
          if (session.nodeId !== null && !this.peers.isConnected(session.nodeId))
            this.judge.disconnected(session.nodeId);
          this.discovery.closed(session.nodeId!);
          if (session.nodeId !== null) this.engine.peerDisconnected(session.nodeId);
          this.lightLookup?.fullNodesChanged();
          if (session.nodeId !== null) this.sync?.peerGone(session.nodeId);
          hooks.defer(() => hooks.emit('peer:disconnected', session.nodeId!, code));
        },
        onMessage: (session, message, bytes) => this.inbound.enqueue(session, message, bytes),
        frameFilter: (text, session) => dropCopy(this.frames, this.engine, text, session.nodeId!),
        admitFrame: (session, message, bytes) => this.inbound.admitFrame(session, message, bytes),
        admits: (nodeId) => this.judge.admits(nodeId),
        scoreOf: (nodeId) => this.judge.scoreOf(nodeId),
        work: () => this.work(),
        onFrameRefused: (session, failure) => {
          this.metrics.dropped.inc({ type: 'frame', outcome: failure.kind, code: failure.code });
          const peerId = session.nodeId ?? session.connection.remoteAddress;
          hooks.defer(() => hooks.emit('dropped', peerId, 'frame', failure.kind, failure.code));
        },
      },
    );
    this.discovery = new Discovery(
      signer.nodeId,
      { ...DEFAULT_DISCOVERY, ...options.discovery },
      {
        crypto: modules.crypto,
        clock: this.clock,
        randomBytes: () => randomBytes(32),
        logger: this.logger,
        peers: this.peers,
        store: this.store,
        onLookup: (hops) => this.metrics.lookupHops.observe(hops),
      },
    );
    this.engine = new MeshEngine(
      {
        network,
        signer,
        nodeType: type,
        votes: type !== 'light' && (options.validator ?? type === 'full'),
        endpoints: [endpoint],
        work: () => this.work(),
      },
      {
        crypto: modules.crypto,
        clock: this.clock,
        entropy: modules.entropy,
        ledger: this.store,
        proposals: this.store,
        output: this.peers,
        directory: this.discovery,
        events: engineEvents({
          logger: this.logger,
          metrics: this.metrics,
          defer: hooks.defer,
          emit: hooks.emit,
          wantsMessages: hooks.wantsMessages,
          settled: hooks.settled,
          rotated: (fromId, toId) => {
            this.peers.rename(fromId, toId);
            this.judge.renamed(fromId, toId);
          },
          queryResult: (peerId, result) => this.lightLookup?.onResult(peerId, result),
          nodes: (peerId, answer) => this.discovery.nodes(peerId, answer),
          announced: (peerId, announce) => this.discovery.announced(peerId, announce),
          sync: (peerId, message) => {
            if (this.sync !== null) this.sync.onMessage(peerId, message);
            else if (message.type === 'SYNC_REFUSED') this.lightLookup?.onRefused(peerId, message.id);
          },
        }),
      },
    );
    this.lightLookup =
      type === 'light'
        ? new LightLookup(this.engine, this.peers, this.store, this.logger, DEFAULT_LIGHT_LOOKUP, {
            atomically: hooks.atomically,
          })
        : null;
    const tables = type === 'light' ? null : syncTablesOf(this.store);
    const syncOptions = { ...DEFAULT_SYNC_OPTIONS, ...options.sync };
    this.sync =
      tables === null
        ? null
        : new NodeSync(
            {
              crypto: modules.crypto,
              network,
              clock: this.clock,
              logger: this.logger,
              metrics: this.metrics,
              engine: this.engine,
              verifier: this.verifier,
              peers: this.peers,
              tables,
              view: new StoreSyncView(
                modules.crypto,
                this.store,
                tables,
                network,
                this.clock,
                syncOptions.blockGraceMs ?? 2 * clockSkewMs,
              ),
              atomically: hooks.atomically,
              changed: (status) => hooks.defer(() => hooks.emit('sync', status)),
              unmatchedRefusal: () => {},
            },
            syncOptions,
          );
    this.alwaysSynced = new SyncProgress(() => this.clock.now(), this.logger);
    this.alwaysSynced.state = 'synced';
    this.inbound = new InboundPath({
      engine: () => this.engine,
      atomically: hooks.atomically,
      refuse: (session, code, detail) => this.peers.refuse(session, code, detail),
      monotonic: modules.monotonic,
      clock: this.clock,
      verifier: this.verifier,
      budgets: new LinkBudgets(options.linkBudget),
      overBudget: (session, message) => {
        this.metrics.dropped.inc({
          type: message?.type ?? 'frame',
          outcome: 'ignore',
          code: 'TM_ERR_RATE_LIMITED',
        });
        this.judge.overBudget(session, message);
      },
      judged: (session, message, outcome) => this.judge.judged(session, message, outcome),
      handled: (messages) =>
        rememberHandled(this.frames, this.engine, (message) => this.peers.arrivedAs(message), messages),
    });
  }

  /** What a node without block sync (a light node, or a store without sync tables) reports: ready at once. */
  private readonly alwaysSynced: SyncProgress;

  syncStatus(): SyncStatus {
    return (this.sync?.progress ?? this.alwaysSynced).snapshot();
  }

  private lonelySince: number | null = null;

  /** Says so when a node has had no peer for a while: nothing it proposes can reach anyone. */
  warnIfAlone(now: number): void {
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

  status(type: NodeType, endpoint: string, startedAt: number): NodeStatus {
    const { engine, store } = this;
    const { registry } = engine;
    return {
      nodeId: engine.nodeId,
      publicKey: engine.publicKey,
      type,
      version: VERSION,
      networkId: this.networkId,
      endpoint,
      validator: engine.votes,
      member: registry.isMember(engine.nodeId),
      stake: registry.stakeOf(engine.nodeId),
      totalStake: registry.totalActiveStake(),
      peers: this.peers.connectedIds().length,
      ledgerEntries: store.size(),
      latestSeq: store.latestSeq(),
      pendingProposals: engine.pendingProposals,
      uptimeMs: this.clock.now() - startedAt,
    };
  }

  private readonly proofs = new Map<string, string | undefined>();

  /** This node's admission proof of work for its current key; none (undefined) for the network file's own ids. */
  work(): string | undefined {
    const { nodeId, registry } = this.engine;
    if (!this.proofs.has(nodeId)) {
      const bits = this.network.params.admissionWorkBits;
      // A rotated successor is a member too, but a peer that has not seen the rotation yet cannot tell: only
      // ids of the network file itself go without.
      if (registry.isGenesisNode(nodeId) || bits === 0) this.proofs.set(nodeId, undefined);
      else {
        const started = this.monotonic.now();
        this.proofs.set(nodeId, solveWork(this.crypto, this.network.networkId, nodeId, bits));
        const ms = Math.round(this.monotonic.now() - started);
        this.logger.info({ bits, ms }, 'not in the network file: computed the proof of work peers ask for');
      }
    }
    return this.proofs.get(nodeId);
  }

  stats() {
    return {
      engine: { ...this.engine.stats },
      signatures: { ...this.engine.verifier.stats },
      duplicateFramesDropped: this.frames.dropped,
    };
  }

  /**
   * Dials the configured peers and (unless told not to) the network file's bootstrap nodes — never a list a peer
   * gave — then starts discovery, which also dials the peers stored from earlier runs.
   */
  startWork(options: NodeOptions): void {
    const { peers } = this;
    for (const url of options.peers ?? []) peers.addTarget(url);
    if (options.useBootstrap ?? true) {
      for (const node of options.network.nodes) {
        if (node.endpoint !== undefined && node.nodeId !== this.engine.nodeId)
          peers.addTarget(node.endpoint, node.publicKey);
      }
    }
    this.sync?.start();
    peers.start();
    this.discovery.start();
  }

  /** Stops taking and doing work (timers, queues, connections); storage stays open until close(). */
  stopWork(): void {
    this.inbound?.stop();
    this.lightLookup?.stop();
    this.discovery?.stop();
    this.sync?.stop();
    this.peers?.stop();
  }

  async close(): Promise<void> {
    if (this.owned.verifier) await this.verifier?.close();
    if (this.owned.store) this.store.close();
  }
}
