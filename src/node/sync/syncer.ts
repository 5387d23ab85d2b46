// The node's sync driver: serves SYNC_* from the store, and catches up — at start, after each (re)connection and
// every anti-entropy period — by comparing summaries with several full nodes and fetching differing block parts.
import type { ErrorCode } from '../../core/errors.js';
import { PROTOCOL_VERSION } from '../../core/messages/fields.js';
import type {
  Message,
  SyncRequest,
  SyncResponse,
  SyncStatus as SyncStatusMessage,
} from '../../core/messages/schemas.js';
import { answerSyncRequest } from '../../core/sync/answer.js';
import { maxPlausibleHeight } from '../../core/sync/blocks.js';
import { SummaryDiff } from '../../core/sync/diff.js';
import { type Assignment, type FailureKind, SyncPlanner } from '../../core/sync/plan.js';
import { summaryLevels } from '../../core/sync/summary.js';
import type { RequestOutcome } from '../../net/reqresp/interface.js';
import { RequestTracker } from '../../net/reqresp/request-tracker.js';
import { fetchPart, type PartFetchDeps } from './fetch-part.js';
import type { SyncDeps, SyncOptions } from './options.js';
import { SyncProgress, type SyncStatus } from './progress.js';
import { RootWarmer } from './root-warmer.js';

export { DEFAULT_SYNC_OPTIONS, type SyncDeps, type SyncOptions } from './options.js';

/** Roots asked per SYNC_ROOTS request (the answer may still be cut short to fit a frame). */
const ROOTS_PER_QUERY = 512;
/** Full peers a first round waits for (gatherMs at most): the spec's initial sync asks 3 or more. */
const INITIAL_SOURCES = 3;

type RequestBody<T extends SyncRequest['type']> = Omit<Extract<SyncRequest, { type: T }>, 'id' | 'version'>;

export class NodeSync {
  readonly progress: SyncProgress;
  private readonly tracker: RequestTracker<SyncResponse>;
  private readonly fetchDeps: PartFetchDeps;
  private counter = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private antiEntropy: NodeJS.Timeout | null = null;
  private roundTimer: NodeJS.Timeout | null = null;
  private roundDue = 0;
  /** When a full peer first connected; null while the node has never had one (it is alone). */
  private firstFullPeerAt: number | null = null;
  private followUp: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Requests sent by type, since start (tests count them). */
  readonly requests = { SYNC_STATUS_REQUEST: 0, SYNC_ROOTS_REQUEST: 0, SYNC_BLOCK_REQUEST: 0 };
  private planner: SyncPlanner | null = null;
  private readonly warmer: RootWarmer;

  constructor(
    private readonly deps: SyncDeps,
    private readonly options: SyncOptions,
  ) {
    this.progress = new SyncProgress(() => deps.clock.now(), deps.logger);
    this.warmer = new RootWarmer(deps.view, deps.logger);
    this.tracker = new RequestTracker<SyncResponse>(
      { timeoutMs: options.requestTimeoutMs, maxOutstandingPerPeer: options.maxRequestsPerPeer },
      { nextId: () => `s-${(this.counter++).toString(36)}` },
    );
    this.fetchDeps = {
      crypto: deps.crypto,
      epochs: deps.network,
      engine: deps.engine,
      verifier: deps.verifier ?? null,
      tables: deps.tables,
      view: deps.view,
      atomically: deps.atomically,
      askBlock: (peerId, request) => this.ask(peerId, 'SYNC_BLOCK_REQUEST', request),
      stillAssigned: (peerId) => this.planner?.peer(peerId)?.bad === false,
    };
  }

  get state(): SyncState {
    return this.progress.state;
  }

  /** Whether the summary a status answer needs is cached now (RootWarmer keeps it so). */
  get rootsWarm(): boolean {
    return this.deps.view.isWarm();
  }

  status(): SyncStatus {
    return this.progress.snapshot();
  }

  /** Catching up begins: no votes, no authoritative answers, until a round with peers has brought it level. */
  start(): void {
    this.deps.engine.setCatchingUp(true);
    this.deps.view.state = 'syncing';
    this.antiEntropy = setInterval(() => this.schedule(0), this.options.antiEntropyMs);
    this.warmer.start();
    // No grace: ready from the start (rounds still run on every connection, repairing what differs).
    if (this.options.aloneGraceMs <= 0) {
      this.finish('no grace for peers configured');
      return;
    }
    // Alone means never having had a full peer: one whose peers all failed or left is not caught up, it is cut off
    // (at 1,000,000 entries, peers slow to answer the first status were scored down and dropped, and the node
    // then called itself ready with nothing).
    this.later(this.options.aloneGraceMs, () => {
      if (this.state === 'syncing' && this.running === null && this.firstFullPeerAt === null)
        this.finish('no full peer to sync from');
    });
  }

  stop(): void {
    this.stopped = true;
    this.warmer.stop();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.antiEntropy !== null) clearInterval(this.antiEntropy);
    if (this.roundTimer !== null) clearTimeout(this.roundTimer);
    if (this.followUp !== null) clearTimeout(this.followUp);
    this.tracker.stop();
  }

  private later(ms: number, work: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) work();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  /**
   * A full node connected: compare with it (and whoever else is connected) soon, and once more when the block
   * open now has closed, so what was written around the reconnection is covered too.
   */
  peerConnected(): void {
    const fullPeers = this.fullPeers().length;
    if (fullPeers > 0) this.firstFullPeerAt ??= this.deps.clock.now();
    this.schedule(this.delayAfterConnection(fullPeers));
    if (this.followUp !== null) return;
    const { epochMs } = this.deps.network;
    this.followUp = this.later(epochMs + this.deps.view.graceMs + this.options.settleMs, () => {
      this.followUp = null;
      this.schedule(0);
    });
  }

  /** settleMs; while catching up with fewer than INITIAL_SOURCES full peers, until gatherMs after the first. */
  private delayAfterConnection(fullPeers: number): number {
    const { settleMs, gatherMs } = this.options;
    if (this.state !== 'syncing' || fullPeers >= INITIAL_SOURCES) return settleMs;
    const now = this.deps.clock.now();
    return Math.max(settleMs, (this.firstFullPeerAt ?? now) + gatherMs - now);
  }

  peerGone(peerId: string): void {
    this.tracker.peerGone(peerId);
  }

  /** A round soon; one already running is followed by another. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    const due = this.deps.clock.now() + delayMs;
    // A round already due sooner stands; one due later is brought forward (the third peer has connected).
    if (this.roundTimer !== null) {
      if (this.roundDue <= due) return;
      clearTimeout(this.roundTimer);
    }
    this.roundDue = due;
    this.roundTimer = setTimeout(() => {
      this.roundTimer = null;
      if (!this.stopped) this.running = this.round().finally(() => this.roundEnded());
    }, delayMs);
  }

  private roundEnded(): void {
    this.running = null;
    this.planner = null;
    if (this.stopped) return;
    if (this.again) {
      this.again = false;
      this.schedule(0);
    } else if (this.state === 'syncing') {
      this.later(this.options.retryMs, () => this.schedule(0));
    }
  }

  // ---- Serving -------------------------------------------------------------------------------------------

  /** Every SYNC_* message from an established peer (via the engine's dispatch). */
  onMessage(peerId: string, message: SyncRequest | SyncResponse): void {
    switch (message.type) {
      case 'SYNC_STATUS_REQUEST':
      case 'SYNC_ROOTS_REQUEST':
      case 'SYNC_BLOCK_REQUEST': {
        const answer = answerSyncRequest(this.deps.view, message, {
          maxFrameBytes: this.deps.network.params.maxFrameBytes,
        });
        this.deps.peers.send(peerId, answer);
        return;
      }
      default:
        if (!this.tracker.respond(peerId, message.id, message) && message.type === 'SYNC_REFUSED')
          this.deps.unmatchedRefusal(peerId, message.id);
    }
  }

  // ---- Catching up --------------------------------------------------------------------------------------

  private fullPeers(): string[] {
    return this.deps.peers
      .summaries()
      .filter((peer) => peer.capabilities.includes('FULL_NODE'))
      .map((peer) => peer.nodeId);
  }

  private async ask<T extends SyncRequest['type']>(
    peerId: string,
    type: T,
    body: Omit<RequestBody<T>, 'type'>,
  ): Promise<RequestOutcome<SyncResponse>> {
    this.requests[type]++;
    this.deps.metrics.syncRequests.inc({ type });
    const outcome = await this.tracker.request(peerId, (id) =>
      this.deps.peers.send(peerId, { ...body, type, version: PROTOCOL_VERSION, id } as Message),
    );
    return outcome;
  }

  private async round(): Promise<void> {
    const peers = this.fullPeers().slice(0, this.options.peersPerRound);
    if (peers.length === 0) return;
    const { network, clock, view } = this.deps;
    const top = view.latestHeight();
    const maxHeight = maxPlausibleHeight(network, clock.now(), view.graceMs, network.params.clockSkewMs);
    const planner = new SyncPlanner(
      { maxInFlightPerPeer: this.options.maxRequestsPerPeer, maxHeight },
      this.deps.tables.applied(),
    );
    this.planner = planner;
    const statuses = await Promise.all(peers.map((peerId) => this.askStatus(peerId, planner)));
    const answered = statuses.filter(
      (status): status is SyncStatusMessage & { peerId: string } => status !== null,
    );
    // Peers still catching up are poor sources (what they lack would be planned as differences): asked only
    // when no peer has caught up, as when a whole network starts together.
    const synced = answered.filter((status) => status.state === 'synced');
    const sources = synced.length > 0 ? synced : answered;
    const compared = await Promise.all(sources.map((status) => this.compare(status, top, planner)));
    const reached = compared.filter(Boolean).length;
    const planned = planner.progress().total;
    this.progress.planned(planned);
    if (planned > 0)
      this.deps.logger.info({ peers: reached, parts: planned, top }, 'sync: block parts differ, fetching');
    await this.download(planner);
    this.progress.unplanned(planned - planner.progress().done);
    this.progress.lastRoundAt = clock.now();
    if (this.state === 'syncing' && reached > 0 && planner.stranded.length === 0)
      this.finish(`compared with ${reached} peers`);
    this.deps.changed(this.status());
  }

  /** A peer's status; null when it did not answer, or claims a height its clock cannot have closed. */
  private async askStatus(
    peerId: string,
    planner: SyncPlanner,
  ): Promise<(SyncStatusMessage & { peerId: string }) | null> {
    const status = await this.ask(peerId, 'SYNC_STATUS_REQUEST', {});
    if (status.kind === 'failed' || status.response.type !== 'SYNC_STATUS') {
      this.peerFailed(planner, peerId, 'timeout', 'TM_ERR_SYNC_ANSWER_INVALID', 'no status');
      return null;
    }
    const added = planner.addPeer(peerId, status.response.latestHeight, new Map());
    if (added.kind !== 'accept') {
      this.deps.logger.warn(
        { peer: peerId.slice(0, 12), claimed: status.response.latestHeight, code: added.code },
        'sync: peer claims a height its clock cannot have closed; not syncing from it',
      );
      this.peerFailed(planner, peerId, 'invalid', added.code, added.detail ?? '');
      return null;
    }
    return { ...status.response, peerId };
  }

  /** The summary descent with one peer; true when it compared (its differences are then planned). */
  private async compare(
    theirs: SyncStatusMessage & { peerId: string },
    myTop: number,
    planner: SyncPlanner,
  ): Promise<boolean> {
    const { peerId } = theirs;
    const top = Math.min(myTop, theirs.latestHeight);
    if (top < 0) return true;
    let theirRoot = theirs.summaryRoot;
    if (theirs.latestHeight !== top) {
      const level = summaryLevels(top);
      const answer = await this.ask(peerId, 'SYNC_ROOTS_REQUEST', { top, level, indexes: [0] });
      if (
        answer.kind === 'failed' ||
        answer.response.type !== 'SYNC_ROOTS' ||
        answer.response.roots.length !== 1
      )
        return this.peerFailed(planner, peerId, 'timeout', 'TM_ERR_SYNC_ANSWER_INVALID', 'no root');
      theirRoot = answer.response.roots[0]!;
    }
    const diff = new SummaryDiff(this.deps.view.summary(top), theirRoot);
    while (!diff.done) {
      const query = diff.nextQuery(ROOTS_PER_QUERY)!;
      const answer = await this.ask(peerId, 'SYNC_ROOTS_REQUEST', { top, ...query });
      if (answer.kind === 'failed')
        return this.peerFailed(planner, peerId, 'timeout', answer.code, answer.detail);
      const roots = answer.response;
      if (
        roots.type !== 'SYNC_ROOTS' ||
        roots.top !== top ||
        roots.level !== query.level ||
        roots.roots.length === 0 ||
        roots.roots.length > query.indexes.length
      )
        return this.peerFailed(planner, peerId, 'invalid', 'TM_ERR_SYNC_ANSWER_INVALID', 'roots answer');
      diff.receive(query, roots.roots);
      this.deps.logger.debug(
        {
          peer: peerId.slice(0, 12),
          level: query.level,
          asked: query.indexes.length,
          roots: roots.roots.length,
          differing: diff.differing.size,
        },
        'sync: summary descent',
      );
    }
    planner.addPeer(peerId, theirs.latestHeight, diff.differing);
    return true;
  }

  private peerFailed(
    planner: SyncPlanner,
    peerId: string,
    kind: FailureKind,
    code: ErrorCode,
    detail: string,
  ): false {
    planner.failed(peerId, kind);
    this.progress.peer(peerId).failures++;
    this.deps.metrics.syncFailures.inc({ kind });
    this.deps.logger.warn({ peer: peerId.slice(0, 12), kind, code, detail }, 'sync: peer failed');
    return false;
  }

  /** Hands out assignments as slots free, until every part is applied or has no good peer left. */
  private download(planner: SyncPlanner): Promise<void> {
    return new Promise((resolve) => {
      let active = 0;
      const pump = (): void => {
        if (!this.stopped) {
          for (const assignment of planner.next()) {
            active++;
            void this.fetch(planner, assignment).finally(() => {
              active--;
              pump();
            });
          }
        }
        if (active === 0) resolve();
      };
      pump();
    });
  }

  private async fetch(planner: SyncPlanner, assignment: Assignment): Promise<void> {
    const { peerId } = assignment;
    const result = await fetchPart(this.fetchDeps, assignment).catch(() => ({ kind: 'abandoned' }) as const);
    if (result.kind === 'abandoned') return;
    if (result.kind === 'failed') {
      this.peerFailed(planner, peerId, result.failure, result.code, result.detail);
      // An entry that does not verify is a forgery (or a bug): the same answer to light-node lookups.
      if (result.forged) this.deps.peers.disconnect(peerId, result.code);
      return;
    }
    // Applied either way (entries are idempotent); counted once, by the peer that still held the task.
    if (!planner.completed(peerId, assignment)) return;
    this.progress.applied(peerId, result.entries);
    this.deps.metrics.syncBlocks.inc({ part: assignment.part });
    this.deps.metrics.syncEntries.inc(result.entries);
    this.progress.maybeLog();
    this.deps.changed(this.status());
  }

  private finish(reason: string): void {
    this.progress.finish(reason);
    this.deps.view.state = 'synced';
    this.deps.atomically('voting on proposals seen while syncing', () =>
      this.deps.engine.setCatchingUp(false),
    );
    this.deps.changed(this.status());
  }
}

type SyncState = SyncStatus['state'];
