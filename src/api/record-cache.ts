// Built trust records of recently read subjects, so hot point reads skip rebuilding them from SQLite.
// A record is dropped the moment the node reports a commit or revocation for its subject; a short lifetime
// bounds how stale any change that reached the ledger without an event could leave it. Off for light nodes,
// whose reads fetch from peers and mark their cache.
import type { MeshTrustRecord } from '../core/state/record.js';
import type { NodeEvents, TrustMeshNode } from '../node/node.js';

export interface RecordCacheOptions {
  /** Records kept at most (0 turns the cache off). */
  readonly capacity: number;
  /** Longest a record is served without rebuilding it, whatever the events say. */
  readonly maxAgeMs: number;
  readonly now?: () => number;
}

/** Agent and principal ids never contain control characters (the API refuses them), so \n separates them. */
const keyOf = (agentId: string, principalId: string) => `${agentId}\n${principalId}`;

export class RecordCache {
  private readonly held = new Map<string, { record: MeshTrustRecord; at: number }>();
  private readonly now: () => number;
  private readonly enabled: boolean;
  private readonly onCommitted = (commit: NodeEvents['committed'][0]) =>
    this.held.delete(keyOf(commit.update.payload.agentId, commit.update.payload.principalId));
  private readonly onCritical = (event: NodeEvents['critical'][0]) => {
    if (event.type === 'REVOCATION')
      this.held.delete(keyOf(event.payload.agentId, event.payload.principalId));
    else this.held.clear();
  };

  constructor(
    private readonly node: TrustMeshNode,
    private readonly options: RecordCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.enabled = options.capacity > 0 && node.type !== 'light';
    if (this.enabled) {
      node.on('committed', this.onCommitted);
      node.on('critical', this.onCritical);
    }
  }

  get size(): number {
    return this.held.size;
  }

  async lookup(agentId: string, principalId: string): Promise<MeshTrustRecord | null> {
    if (!this.enabled) return this.node.lookupRecord(agentId, principalId);
    const key = keyOf(agentId, principalId);
    const now = this.now();
    const hit = this.held.get(key);
    if (hit !== undefined && now - hit.at < this.options.maxAgeMs) return hit.record;
    const record = this.node.record(agentId, principalId);
    this.held.delete(key);
    // Misses are not kept: unknown ids cost nothing to remember, and a new record needs no invalidation.
    if (record !== null) {
      this.held.set(key, { record, at: now });
      if (this.held.size > this.options.capacity) this.held.delete(this.held.keys().next().value!);
    }
    return record;
  }

  close(): void {
    this.node.off('committed', this.onCommitted);
    this.node.off('critical', this.onCritical);
    this.held.clear();
  }
}
