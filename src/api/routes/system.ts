// Operational routes: node status, connected peers, a health check, Prometheus metrics and the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import type { TrustMeshNode } from '../../node/node.js';
import { paths } from '../links.js';
import { Health, NodeStatus, PeerList } from '../schemas.js';

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
