// Operational routes: node status, connected peers, liveness and readiness checks, Prometheus metrics and the
// OpenAPI document.
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES } from '../../core/errors.js';
import type { TrustMeshNode } from '../../node/node.js';
import type { SyncStatus } from '../../node/sync/progress.js';
import { paths } from '../links.js';
import { Health, KeyList, NodeStatus, NotReady, PeerList, Readiness, type SyncProgress } from '../schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The node's sync status as the API shows it (times as ISO 8601 text). */
export function syncProgressOf(status: SyncStatus): SyncProgress {
  return {
    state: status.state,
    ready: status.ready,
    startedAt: iso(status.startedAt),
    ...(status.finishedAt === undefined ? {} : { finishedAt: iso(status.finishedAt) }),
    blocksTotal: status.blocksTotal,
    blocksDone: status.blocksDone,
    entriesApplied: status.entriesApplied,
    entriesPerSecond: status.entriesPerSecond,
    ...(status.etaMs === undefined ? {} : { etaMs: status.etaMs }),
    peers: status.peers.map((peer) => ({ ...peer })),
    ...(status.lastRoundAt === undefined ? {} : { lastRoundAt: iso(status.lastRoundAt) }),
  };
}

export function registerSystemRoutes(app: FastifyInstance, node: TrustMeshNode): void {
  app.get(
    paths.status,
    {
      config: { access: 'read' },
      schema: {
        tags: ['node'],
        summary: 'This bridge node: identity, network, peers, ledger',
        response: { 200: NodeStatus },
      },
    },
    async (): Promise<NodeStatus> => {
      const status = node.status();
      return {
        nodeId: status.nodeId,
        publicKey: status.publicKey,
        type: status.type,
        version: status.version,
        network: status.networkId,
        endpoint: status.endpoint,
        validator: status.validator,
        peers: status.peers,
        ledger: { entries: status.ledgerEntries, latestSeq: node.latestSeq() },
        pendingProposals: status.pendingProposals,
        uptimeMs: status.uptimeMs,
        sync: syncProgressOf(node.syncStatus()),
      };
    },
  );

  app.get(
    paths.peers,
    {
      config: { access: 'read' },
      schema: {
        tags: ['node'],
        summary: 'Peers this node is connected to, and its routing table fill per bucket',
        response: { 200: PeerList },
      },
    },
    async (): Promise<PeerList> => {
      const { size, buckets, candidates, lookups } = node.routingTable();
      return { peers: node.peerSummaries(), routing: { size, buckets: [...buckets], candidates, lookups } };
    },
  );

  app.get(
    paths.keys,
    {
      config: { access: 'read' },
      schema: {
        tags: ['node'],
        summary: "Public keys of the network's members by node id, to verify a commit's compact votes",
        response: { 200: KeyList },
      },
    },
    async (): Promise<KeyList> => ({ keys: node.publicKeys() }),
  );

  app.get(
    paths.health,
    {
      schema: {
        tags: ['node'],
        summary: 'Liveness: answers 200 while the node runs (no token needed)',
        response: { 200: Health },
      },
    },
    async (): Promise<Health> => ({
      status: 'ok',
      nodeId: node.nodeId,
      peers: node.connectedPeers().length,
    }),
  );

  app.get(
    paths.ready,
    {
      schema: {
        tags: ['node'],
        summary: 'Readiness: 200 once the node has caught up with the network, 503 while it syncs (no token)',
        description:
          'Route traffic to a bridge only while this answers 200: before that, its records may lack ' +
          'revocations it has not downloaded yet. The 503 answer is an error (`TM_ERR_SYNCING`) with the ' +
          'sync progress in `sync`.',
        response: { 200: Readiness, 503: NotReady },
      },
    },
    async (_request, reply): Promise<Readiness | NotReady> => {
      const status = node.syncStatus();
      const sync = syncProgressOf(status);
      if (!status.ready) {
        reply.code(ERROR_CODES.TM_ERR_SYNCING.status);
        return {
          code: 'TM_ERR_SYNCING',
          message: `${ERROR_CODES.TM_ERR_SYNCING.message} (${status.blocksDone} of ${status.blocksTotal} blocks applied)`,
          sync,
        };
      }
      return { status: 'ready', nodeId: node.nodeId, peers: node.connectedPeers().length, sync };
    },
  );

  app.get(
    paths.metrics,
    {
      config: { access: 'read' },
      schema: {
        tags: ['node'],
        summary: 'Prometheus metrics of this node and its API (text exposition format)',
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      const text = await node.metrics.registry.metrics();
      reply.type(node.metrics.registry.contentType);
      return text;
    },
  );

  app.get(paths.openapi, { schema: { hide: true } }, async () => app.swagger());
}
