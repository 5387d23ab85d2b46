// Write routes: verification events become trust-update proposals (202, then poll /v1/updates/:id until settled);
// revocations are signed and applied at once, then gossiped ahead of everything else (201).
import type { FastifyInstance } from 'fastify';
import type { ProposalRecord } from '../../core/consensus/proposals.js';
import { signaturesOf } from '../../core/state/record.js';
import type { TrustMeshNode } from '../../node/node.js';
import { ApiFailure } from '../error-handler.js';
import { paths } from '../links.js';
import {
  EventInput,
  errorResponses,
  RevocationInput,
  RevocationResult,
  SubmitResult,
  UpdateParams,
  UpdateStatus,
} from '../schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function updateStatusOf(record: ProposalRecord): UpdateStatus {
  const { update } = record;
  const { agentId, principalId } = update.payload;
  return {
    id: record.id,
    status: record.state,
    agentId,
    principalId,
    trustScore: update.payload.trustScore,
    event: update.payload.event,
    timestamp: update.timestamp,
    origin: update.origin,
    createdAt: iso(record.createdAt),
    deadline: iso(record.deadline),
    ...(record.settledAt === undefined ? {} : { settledAt: iso(record.settledAt) }),
    tally: {
      acceptWeight: record.acceptWeight,
      rejectWeight: record.rejectWeight,
      totalStake: record.totalStake,
      votes: record.votes,
    },
    reasons: record.reasons,
    ...(record.rejection === undefined ? {} : { rejection: record.rejection }),
    ...(record.commit === undefined
      ? {}
      : { commitId: record.commit.id, signatures: signaturesOf(record.commit) }),
    links: { self: paths.update(record.id), record: paths.record(agentId, principalId) },
  };
}

export function registerUpdateRoutes(app: FastifyInstance, node: TrustMeshNode): void {
  app.post<{ Body: EventInput }>(
    paths.events,
    {
      config: { access: 'write' },
      schema: {
        tags: ['updates'],
        summary: 'Submit a verification event',
        description:
          'Proposes a signed trust update to the mesh. It commits once validators holding more than half of the ' +
          'active stake accept it; poll the `self` link (or watch /v1/stream) to see it settle. The answer is ' +
          "202 with the update's state right after this bridge's own vote: usually pending, but committed when " +
          'that vote alone is a quorum, or rejected when it can never pass.',
        body: EventInput,
        response: { 202: SubmitResult, ...errorResponses(400, 413, 503) },
      },
    },
    async (request, reply) => {
      // A one-validator network commits inside submit(); one without stake rejects there: say so.
      const record = node.submit(request.body);
      const self = paths.update(record.id);
      reply.code(202).header('location', self);
      return {
        id: record.id,
        status: record.state,
        ...(record.rejection === undefined ? {} : { rejection: record.rejection }),
        links: { self, record: paths.record(request.body.agentId, request.body.principalId) },
      };
    },
  );

  app.get<{ Params: UpdateParams }>(
    '/v1/updates/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['updates'],
        summary: 'State of an update proposed through this bridge',
        description: 'pending, committed (with the signatures proving it) or rejected (with the reasons).',
        params: UpdateParams,
        response: { 200: UpdateStatus, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const record = node.proposal(request.params.id);
      if (record === null)
        throw ApiFailure.of(
          'TM_ERR_NOT_FOUND',
          `no update ${request.params.id} was proposed through this bridge`,
        );
      return updateStatusOf(record);
    },
  );

  app.post<{ Body: RevocationInput }>(
    paths.revocations,
    {
      config: { access: 'write' },
      schema: {
        tags: ['updates'],
        summary: 'Revoke an agent for a principal',
        description:
          'A critical event: applied here at once and propagated ahead of all other traffic, without consensus.',
        body: RevocationInput,
        response: { 201: RevocationResult, ...errorResponses(400, 413, 503) },
      },
    },
    async (request, reply) => {
      const event = node.revoke(request.body);
      const record = paths.record(request.body.agentId, request.body.principalId);
      reply.code(201).header('location', record);
      return { id: event.id, status: 'applied' as const, timestamp: event.timestamp, links: { record } };
    },
  );
}
