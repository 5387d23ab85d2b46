// A light node's reads: ask connected full nodes (QUERY) for what it lacks, verify every entry, then cache it.
// A full node whose answer fails verification is dropped and the next one is asked; nothing unverified is stored.
import type { MeshEngine } from '../core/engine/engine.js';
import { TrustMeshError } from '../core/errors.js';
import { PROTOCOL_VERSION } from '../core/messages/fields.js';
import type { QueryResult } from '../core/messages/schemas.js';
import type { Logger } from '../log.js';
import type { PeerManager } from '../net/peers/peer-manager.js';
import type { TimerScheduler } from '../net/reqresp/interface.js';
import { RequestTracker } from '../net/reqresp/request-tracker.js';
import type { NodeStore } from '../store/interface.js';

export interface LightLookupOptions {
  /** How long to wait for one full node's answer to one page. */
  readonly timeoutMs: number;
  /** Pages followed per lookup at most (each page is one frame). */
  readonly maxPages: number;
  /** QUERYs awaiting an answer from one full node at once; more wait their turn (default 16). */
  readonly maxQueriesPerPeer?: number;
}

export const DEFAULT_LIGHT_LOOKUP: LightLookupOptions = { timeoutMs: 3_000, maxPages: 64 };

/** Injected for tests and the simulator; the defaults are a counter for QUERY ids and the real timers. */
export interface LightLookupModules {
  readonly queryIds?: () => string;
  readonly timers?: TimerScheduler;
  /**
   * Runs an import in one storage transaction, stopping the node if it fails (the node's fail-stop
   * `atomically`); by default a plain store transaction, for tests of the lookup alone.
   */
  readonly atomically?: <T>(what: string, work: () => T) => T;
}

const MAX_QUERIES_PER_PEER = 16;

/** Full nodes asked for each lookup when that many are connected (their answers are merged). */
const ANSWERS_WANTED = 2;
/** Completeness marks kept at most; past it they are all dropped (a cache, so only speed is lost). */
const MAX_COMPLETE = 100_000;
/** How many held subjects a light node refreshes when it gets a full node back after being cut off. */
const CATCH_UP_SUBJECTS = 256;

export class LightLookup {
  /** null: the full node refused (it is catching up), so the lookup moves on at once. */
  private readonly queries: RequestTracker<QueryResult | null>;
  private readonly atomically: <T>(what: string, work: () => T) => T;
  private counter = 0;
  /**
   * Subjects ("agent\u0000principal") and agents ("agent\u0000") fetched whole while connected: only those are
   * answered from the cache. A record built from gossip alone may lack older history, so it is fetched first.
   */
  private readonly complete = new Set<string>();
  private evictionsSeen = 0;
  private online = false;

  constructor(
    private readonly engine: MeshEngine,
    private readonly peers: PeerManager,
    private readonly store: NodeStore,
    private readonly logger: Logger,
    private readonly options: LightLookupOptions = DEFAULT_LIGHT_LOOKUP,
    modules: LightLookupModules = {},
  ) {
    this.atomically = modules.atomically ?? ((_what, work) => this.store.transaction(work));
    this.queries = new RequestTracker<QueryResult | null>(
      {
        timeoutMs: options.timeoutMs,
        maxOutstandingPerPeer: options.maxQueriesPerPeer ?? MAX_QUERIES_PER_PEER,
      },
      {
        nextId: modules.queryIds ?? (() => `q-${(this.counter++).toString(36)}`),
        ...(modules.timers === undefined ? {} : { scheduler: modules.timers }),
      },
    );
  }

  /** Called for every QUERY_RESULT the engine receives; only the asked node's answer to that id counts. */
  onResult(peerId: string, result: QueryResult): void {
    this.queries.respond(peerId, result.id, result);
  }

  /** A full node that is catching up refuses a QUERY with SYNC_REFUSED under its id: ask the next one now. */
  onRefused(peerId: string, id: string): void {
    this.queries.respond(peerId, id, null);
  }

  private markComplete(key: string): void {
    if (this.complete.size >= MAX_COMPLETE) this.complete.clear();
    this.complete.add(key);
  }

  private isComplete(key: string): boolean {
    // An eviction may have dropped part of what was complete; forget everything rather than track which.
    const { evicted } = this.store.stats();
    if (evicted !== this.evictionsSeen) {
      this.evictionsSeen = evicted;
      this.complete.clear();
    }
    return this.complete.has(key);
  }

  /** Makes sure one record is held whole (fetched and verified unless already complete). */
  async ensureRecord(agentId: string, principalId: string): Promise<void> {
    const key = `${agentId}\u0000${principalId}`;
    if (this.isComplete(key) || this.isComplete(`${agentId}\u0000`)) {
      this.store.touch(agentId, principalId);
      return;
    }
    await this.fetch(agentId, principalId);
    this.markComplete(key);
  }

  /** Makes sure every record of one agent is held whole. */
  async ensureAgent(agentId: string): Promise<void> {
    const key = `${agentId}\u0000`;
    if (this.isComplete(key)) return;
    await this.fetch(agentId);
    this.markComplete(key);
  }

  /**
   * Connectivity changed. Losing the last full node makes every cached record suspect (gossip may be missed);
   * getting one back refreshes the most recently used records in the background.
   */
  fullNodesChanged(): void {
    // A node that left takes its unanswered queries with it: ask the next one now, not at the deadline.
    for (const peerId of this.queries.peers())
      if (!this.peers.isConnected(peerId)) this.queries.peerGone(peerId);
    const online = this.candidates().length > 0;
    if (online === this.online) return;
    this.online = online;
    if (!online) {
      this.complete.clear();
      return;
    }
    const subjects = this.store.recentSubjects(CATCH_UP_SUBJECTS);
    if (subjects.length === 0) return;
    this.logger.info({ subjects: subjects.length }, 'back online: refreshing cached records from full nodes');
    void (async () => {
      for (const { agentId, principalId } of subjects) {
        if (!this.online) return;
        await this.ensureRecord(agentId, principalId).catch((error: Error) =>
          this.logger.debug({ agentId, principalId, err: error.message }, 'refresh failed'),
        );
      }
    })();
  }

  /** Full nodes to ask, fastest first. */
  private candidates(): string[] {
    return this.peers
      .summaries()
      .filter((peer) => peer.capabilities.includes('FULL_NODE'))
      .sort((a, b) => (a.rttMs ?? Number.MAX_SAFE_INTEGER) - (b.rttMs ?? Number.MAX_SAFE_INTEGER))
      .map((peer) => peer.nodeId);
  }

  /** One page from one full node; null when it did not answer (timed out, left, or this node is stopping). */
  private async ask(
    peerId: string,
    agentId: string,
    principalId: string | undefined,
    cursor: string | undefined,
  ): Promise<QueryResult | null> {
    const outcome = await this.queries.request(peerId, (id) =>
      this.peers.send(peerId, {
        type: 'QUERY',
        version: PROTOCOL_VERSION,
        id,
        agentId,
        ...(principalId === undefined ? {} : { principalId }),
        ...(cursor === undefined ? {} : { cursor }),
      }),
    );
    if (outcome.kind === 'answered') return outcome.response;
    this.logger.debug(
      { peer: peerId.slice(0, 12), agentId, code: outcome.code, detail: outcome.detail },
      'full node did not answer a query',
    );
    return null;
  }

  /**
   * Fetches every entry behind one agent's record(s) from one full node, verifying each; on a timeout or a
   * forged entry that node is skipped (and disconnected for forgery) and the next one is asked.
   */
  async fetch(agentId: string, principalId?: string): Promise<void> {
    const candidates = this.candidates();
    if (candidates.length === 0)
      throw new TrustMeshError('TM_ERR_NO_FULL_NODE', 'not connected to any full node');
    // Signatures prove what a full node says, not that it said everything: two independent answers, merged,
    // mean an omitted entry (a revocation, say) needs both to lie.
    let answered = 0;
    for (const peerId of candidates) {
      if (await this.fetchFrom(peerId, agentId, principalId)) answered++;
      if (answered === ANSWERS_WANTED) return;
    }
    if (answered === 0) {
      throw new TrustMeshError(
        'TM_ERR_NO_FULL_NODE',
        `none of ${candidates.length} full nodes gave a verified answer`,
      );
    }
  }

  private async fetchFrom(
    peerId: string,
    agentId: string,
    principalId: string | undefined,
  ): Promise<boolean> {
    let cursor: string | undefined;
    for (let page = 0; page < this.options.maxPages; page++) {
      const result = await this.ask(peerId, agentId, principalId, cursor);
      if (result === null) return false;
      const failure = this.atomically("importing a full node's answer", () => {
        for (const entry of result.entries) {
          const outcome = this.engine.importEntry(entry);
          if (outcome.kind !== 'accept') return outcome;
        }
        return null;
      });
      if (failure?.kind === 'ignore') {
        // Signed, but not something this node can accept now (its view of the network differs): no proof of
        // lying, so the node stays connected, but the answer does not count.
        this.logger.debug(
          { peer: peerId.slice(0, 12), code: failure.code },
          'full node served an entry not accepted here',
        );
        return false;
      }
      if (failure !== null) {
        this.logger.warn(
          { peer: peerId.slice(0, 12), code: failure.code, detail: failure.detail },
          'full node served an entry that does not verify',
        );
        this.peers.disconnect(peerId, failure.code);
        return false;
      }
      if (result.next === undefined) return true;
      cursor = result.next;
    }
    return true;
  }

  /** Ends every query still waiting (its lookup moves on and fails) and clears their timers. */
  stop(): void {
    this.queries.stop();
  }
}
