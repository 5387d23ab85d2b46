// Read routes for trust records: one (agent, principal) record, every principal of an agent, and a record's
// history page by page. A light bridge fetches and verifies what it lacks from full nodes before answering.
import type { FastifyInstance } from 'fastify';
import type { TrustMeshNode } from '../../node/node.js';
import { ApiFailure } from '../error-handler.js';
import { paths } from '../links.js';
import type { RecordCache } from '../record-cache.js';
import {
  AgentParams,
  AgentRecords,
  errorResponses,
  HistoryPage,
  HistoryQuery,
  RecordParams,
  TrustRecord,
} from '../schemas.js';

const notFound = (agentId: string, principalId?: string) =>
  ApiFailure.of(
    'TM_ERR_NOT_FOUND',
    principalId === undefined
      ? `no trust record for agent ${JSON.stringify(agentId)}`
      : `no trust record for agent ${JSON.stringify(agentId)} and principal ${JSON.stringify(principalId)}`,
  );

export function registerRecordRoutes(app: FastifyInstance, node: TrustMeshNode, cache: RecordCache): void {
  app.get<{ Params: RecordParams }>(
    '/v1/agents/:agentId/principals/:principalId',
    {
      config: { access: 'read' },
      schema: {
        tags: ['records'],
        summary: 'Trust record of an agent for one principal',
        params: RecordParams,
        response: { 200: TrustRecord, ...errorResponses(400, 404, 503) },
      },
    },
    async (request) => {
      const { agentId, principalId } = request.params;
      const record = await cache.lookup(agentId, principalId);
      if (record === null) throw notFound(agentId, principalId);
      return record;
    },
  );

  app.get<{ Params: AgentParams }>(
    '/v1/agents/:agentId',
    {
      config: { access: 'read' },
      schema: {
        tags: ['records'],
        summary: 'Trust records of an agent, one per principal',
        params: AgentParams,
        response: { 200: AgentRecords, ...errorResponses(400, 404, 503) },
      },
    },
    async (request) => {
      const { agentId } = request.params;
      const records = await node.lookupAgent(agentId);
      if (records.length === 0) throw notFound(agentId);
      return { agentId, records };
    },
  );

  app.get<{ Params: RecordParams; Querystring: HistoryQuery }>(
    '/v1/agents/:agentId/principals/:principalId/history',
    {
      config: { access: 'read' },
      schema: {
        tags: ['records'],
        summary: "A record's history, oldest first, a page at a time",
        params: RecordParams,
        querystring: HistoryQuery,
        response: { 200: HistoryPage, ...errorResponses(400, 404, 503) },
      },
    },
    async (request) => {
      const { agentId, principalId } = request.params;
      const { offset, limit } = request.query;
      let page = node.history(agentId, principalId, offset, limit);
      if (page.total === 0) {
        // Nothing held here: a light bridge may still find the record at a full node.
        if ((await node.lookupRecord(agentId, principalId)) === null) throw notFound(agentId, principalId);
        page = node.history(agentId, principalId, offset, limit);
      }
      const base = paths.history(agentId, principalId);
      const next = offset + page.items.length;
      return {
        ...page,
        offset,
        limit,
        links: {
          self: `${base}?offset=${offset}&limit=${limit}`,
          record: paths.record(agentId, principalId),
          ...(next < page.total ? { next: `${base}?offset=${next}&limit=${limit}` } : {}),
        },
      };
    },
  );
}
