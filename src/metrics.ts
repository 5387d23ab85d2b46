// Prometheus metrics for one node: a registry per node (several nodes may share a process), typed and bounded.
// Names follow trustmesh_<area>_<name>_<unit>; hot-path counters are plain numbers read at scrape time.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface NodeMetricsSources {
  peers(): number;
  inboundQueued(): number;
  pendingProposals(): number;
  ledgerEntries(): number;
  engineStats(): Record<string, number>;
  verifierStats(): { verified: number; cached: number; failed: number };
  duplicateFrames(): number;
  /** Discovery: nodes in the routing table, and its counters (lookups, hops summed, entries dropped, dials failed). */
  routingTableSize?(): number;
  discoveryStats?(): Record<string, number>;
  /** Sync readiness (1 caught up, 0 syncing) and block parts planned but not yet applied. */
  sync?(): { readonly synced: boolean; readonly lagBlocks: number };
  /** Each connected peer's current score (core/scoring/peer-score.ts), by node id. */
  peerScores?(): ReadonlyArray<{ readonly nodeId: string; readonly score: number }>;
}

/** Node ids are labelled by their first 16 hex digits: unique in practice, and the label set is bounded by slots. */
const PEER_LABEL_CHARS = 16;

export type NodeMetrics = ReturnType<typeof createNodeMetrics>;

export function createNodeMetrics(sources: NodeMetricsSources) {
  const registry = new Registry();
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('trustmesh_peers_connected', 'Established peer connections', sources.peers);
  gauge('trustmesh_inbound_queued_messages', 'Messages waiting to be handled', sources.inboundQueued);
  gauge('trustmesh_proposals_pending', 'Proposals made here and not yet settled', sources.pendingProposals);
  gauge('trustmesh_ledger_entries', 'Entries stored in the ledger', sources.ledgerEntries);
  // Monotonic counts kept as plain numbers on the hot path and read at scrape time, exposed as counters.
  const counter = (name: string, help: string, label: string, read: () => Record<string, number>) =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset();
        for (const [value, count] of Object.entries(read())) this.inc({ [label]: value }, count);
      },
    });
  const engine = counter(
    'trustmesh_engine_messages_total',
    'Engine message counters since start, by kind (received, accepted, ignored, rejected, duplicatesDropped, …)',
    'kind',
    sources.engineStats,
  );
  const signatures = counter(
    'trustmesh_signatures_total',
    'Signature checks since start: verified with Ed25519, answered from cache, failed',
    'result',
    sources.verifierStats,
  );
  new Counter({
    name: 'trustmesh_frames_duplicate_dropped_total',
    help: 'Byte-identical copies of handled messages dropped before parsing',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.duplicateFrames());
    },
  });
  if (sources.routingTableSize !== undefined)
    gauge('trustmesh_routing_table_entries', 'Nodes in the Kademlia routing table', sources.routingTableSize);
  if (sources.discoveryStats !== undefined)
    counter(
      'trustmesh_discovery_total',
      'Discovery counters since start: lookups, lookupHops (summed), nodesDropped, dialsFailed',
      'kind',
      sources.discoveryStats,
    );
  const peerScores = sources.peerScores;
  if (peerScores !== undefined)
    new Gauge({
      name: 'trustmesh_peer_score',
      help: 'Score of each connected peer (gossipsub-style; below -50 it is dropped for a while), by node id prefix',
      labelNames: ['peer'],
      registers: [registry],
      collect() {
        // Only connected peers: a label per peer ever seen would grow without bound.
        this.reset();
        for (const { nodeId, score } of peerScores())
          this.set({ peer: nodeId.slice(0, PEER_LABEL_CHARS) }, score);
      },
    });
  const sync = sources.sync;
  if (sync !== undefined) {
    gauge('trustmesh_sync_state', 'Sync state: 1 caught up (ready), 0 catching up', () =>
      sync().synced ? 1 : 0,
    );
    gauge(
      'trustmesh_sync_lag_blocks',
      'Block parts planned by sync and not yet applied',
      () => sync().lagBlocks,
    );
  }
  return {
    registry,
    syncBlocks: new Counter({
      name: 'trustmesh_sync_blocks_fetched_total',
      help: 'Block parts fetched, verified and applied by sync, by part',
      labelNames: ['part'],
      registers: [registry],
    }),
    syncEntries: new Counter({
      name: 'trustmesh_sync_entries_applied_total',
      help: 'Entries imported by sync (each verified)',
      registers: [registry],
    }),
    syncRequests: new Counter({
      name: 'trustmesh_sync_requests_total',
      help: 'Sync requests sent, by type',
      labelNames: ['type'],
      registers: [registry],
    }),
    syncFailures: new Counter({
      name: 'trustmesh_sync_peer_failures_total',
      help: 'Sync peers that timed out or served something failing verification, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    engine,
    lookupHops: new Histogram({
      name: 'trustmesh_discovery_lookup_hops',
      help: 'Hops (answers in a chain) each finished lookup took',
      buckets: [0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20],
      registers: [registry],
    }),
    signatures,
    dropped: dropTally(registry),
    proposals: new Counter({
      name: 'trustmesh_proposals_settled_total',
      help: 'Proposals made here, by how they settled',
      labelNames: ['state'],
      registers: [registry],
    }),
    commitLatency: new Histogram({
      name: 'trustmesh_commit_latency_seconds',
      help: 'From proposing an update here to its commit',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    commits: new Counter({
      name: 'trustmesh_commits_applied_total',
      help: 'Commits verified and stored',
      registers: [registry],
    }),
    critical: new Counter({
      name: 'trustmesh_critical_applied_total',
      help: 'Critical events applied, by type',
      labelNames: ['type'],
      registers: [registry],
    }),
    connections: new Counter({
      name: 'trustmesh_connections_closed_total',
      help: 'Connections closed, by code',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}

export interface DropLabels {
  readonly type: string;
  readonly outcome: 'ignore' | 'reject';
  readonly code: string;
}

/**
 * Messages and frames dropped, by type, outcome and code: tallied in plain maps and handed to prom-client when
 * scraped, because a flood drops one per frame and prom-client hashes and validates the labels on every inc.
 * Types and codes come from fixed sets (an unknown type is counted as 'frame'), so the maps stay small.
 */
function dropTally(registry: Registry) {
  /** Not yet reported, by type, then code: [ignored, rejected]. */
  const pending = new Map<string, Map<string, [number, number]>>();
  new Counter({
    name: 'trustmesh_messages_dropped_total',
    help: 'Messages not accepted, by type, outcome and code',
    labelNames: ['type', 'outcome', 'code'],
    registers: [registry],
    collect() {
      for (const [type, byCode] of pending) {
        for (const [code, counts] of byCode) {
          if (counts[0] > 0) this.inc({ type, outcome: 'ignore', code }, counts[0]);
          if (counts[1] > 0) this.inc({ type, outcome: 'reject', code }, counts[1]);
          counts[0] = 0;
          counts[1] = 0;
        }
      }
    },
  });
  return {
    inc({ type, outcome, code }: DropLabels): void {
      let byCode = pending.get(type);
      if (byCode === undefined) {
        byCode = new Map();
        pending.set(type, byCode);
      }
      let counts = byCode.get(code);
      if (counts === undefined) {
        counts = [0, 0];
        byCode.set(code, counts);
      }
      counts[outcome === 'ignore' ? 0 : 1]++;
    },
  };
}
