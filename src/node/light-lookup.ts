// A light node's reads: ask connected full nodes (QUERY) for what it lacks, verify every entry, then cache it.
// A full node whose answer fails verification is dropped and the next one is asked; nothing unverified is stored.
import type { MeshEngine } from '../core/engine/engine.js';
import { TrustMeshError } from '../core/errors.js';
import { PROTOCOL_VERSION } from '../core/messages/fields.js';
import type { QueryResult } from '../core/messages/schemas.js';
import type { Logger } from '../log.js';
import type { PeerManager } from '../net/peers/peer-manager.js';
import type { SqliteStore } from '../store/sqlite-store.js';

export interface LightLookupOptions {
  /** How long to wait for one full node's answer to one page. */
  readonly timeoutMs: number;
  /** Pages followed per lookup at most (each page is one frame). */
  readonly maxPages: number;
}

export const DEFAULT_LIGHT_LOOKUP: LightLookupOptions = { timeoutMs: 3_000, maxPages: 64 };

interface Waiting {
  readonly peerId: string;
  readonly resolve: (result: QueryResult | null) => void;
  readonly timer: NodeJS.Timeout;
}

export class LightLookup {
  private readonly waiting = new Map<string, Waiting>();
  private counter = 0;

  constructor(
    private readonly engine: MeshEngine,
    private readonly peers: PeerManager,
    private readonly store: SqliteStore,
    private readonly logger: Logger,
    private readonly options: LightLookupOptions = DEFAULT_LIGHT_LOOKUP,
  ) {}

  /** Called for every QUERY_RESULT the engine receives. */
  onResult(peerId: string, result: QueryResult): void {
    const waiting = this.waiting.get(result.id);
    if (waiting === undefined || waiting.peerId !== peerId) return;
    clearTimeout(waiting.timer);
    this.waiting.delete(result.id);
    waiting.resolve(result);
  }

  /** Full nodes to ask, fastest first. */
  private candidates(): string[] {
    return this.peers
      .summaries()
      .filter((peer) => peer.capabilities.includes('FULL_NODE'))
      .sort((a, b) => (a.rttMs ?? Number.MAX_SAFE_INTEGER) - (b.rttMs ?? Number.MAX_SAFE_INTEGER))
      .map((peer) => peer.nodeId);
  }

  private ask(peerId: string, agentId: string, principalId: string | undefined, cursor: string | undefined) {
    const id = `q-${Date.now().toString(36)}-${(this.counter++).toString(36)}`;
    return new Promise<QueryResult | null>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(null);
      }, this.options.timeoutMs);
      this.waiting.set(id, { peerId, resolve, timer });
      const sent = this.peers.send(peerId, {
        type: 'QUERY',
        version: PROTOCOL_VERSION,
        id,
        agentId,
        ...(principalId === undefined ? {} : { principalId }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      if (!sent) {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(null);
      }
    });
  }

  /**
   * Fetches every entry behind one agent's record(s) from one full node, verifying each; on a timeout or a
   * forged entry that node is skipped (and disconnected for forgery) and the next one is asked.
   */
  async fetch(agentId: string, principalId?: string): Promise<void> {
    const candidates = this.candidates();
    if (candidates.length === 0)
      throw new TrustMeshError('TM_ERR_NO_FULL_NODE', 'not connected to any full node');
    for (const peerId of candidates) {
      if (await this.fetchFrom(peerId, agentId, principalId)) return;
    }
    throw new TrustMeshError(
      'TM_ERR_NO_FULL_NODE',
      `none of ${candidates.length} full nodes gave a verified answer`,
    );
  }

  private async fetchFrom(
    peerId: string,
    agentId: string,
    principalId: string | undefined,
  ): Promise<boolean> {
    let cursor: string | undefined;
    for (let page = 0; page < this.options.maxPages; page++) {
      const result = await this.ask(peerId, agentId, principalId, cursor);
      if (result === null) {
        this.logger.debug({ peer: peerId.slice(0, 12), agentId }, 'full node did not answer a query in time');
        return false;
      }
      const failure = this.store.transaction(() => {
        for (const entry of result.entries) {
          const outcome = this.engine.importEntry(entry);
          if (outcome.kind === 'reject') return outcome;
        }
        return null;
      });
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

  stop(): void {
    for (const [id, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      waiting.resolve(null);
      this.waiting.delete(id);
    }
  }
}
