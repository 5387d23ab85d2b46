// TypeBox schemas of the bridge API's requests and responses: validation, response serialisation, /openapi.json
// and the client's types all come from here. Field schemas are the wire protocol's own (core/messages/fields.ts).
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import {
  MessageId,
  NodeId,
  PublicKey,
  ShortText,
  Signature,
  SubjectId,
  Timestamp,
  TRUST_EVENTS,
  type TrustEvent,
} from '../core/messages/fields.js';

const strict = { additionalProperties: false } as const;

/** A plain enum rather than the core's union of literals: one readable error and one `enum` in the document. */
const EventName = Type.Unsafe<TrustEvent>({
  type: 'string',
  enum: [...TRUST_EVENTS],
  description: 'what happened to the agent',
});
const Score = Type.Integer({
  minimum: 0,
  maximum: 1000,
  description: 'trust score, 0 (none) to 1000 (full)',
});
/**
 * The core's SubjectId, minus "." and "..": URL parsers drop those as path segments (even percent-encoded), so a
 * record under such an id could be written here but never read back by its URL.
 */
const ApiSubjectId = Type.String({
  minLength: SubjectId.minLength,
  maxLength: SubjectId.maxLength,
  pattern: `^(?!\\.\\.?$)${SubjectId.pattern!.slice(1)}`,
  description: 'agent or principal id: 1-256 characters, no control characters, not "." or ".."',
});
const Links = Type.Record(Type.String(), Type.String(), { description: 'related resources, as API paths' });

// ---- Requests ---------------------------------------------------------------------------------------------

export const EventInput = Type.Object(
  { agentId: ApiSubjectId, principalId: ApiSubjectId, trustScore: Score, event: EventName },
  { ...strict, description: 'a verification event to propose to the mesh as a trust update' },
);
export type EventInput = Static<typeof EventInput>;

export const RevocationInput = Type.Object(
  { agentId: ApiSubjectId, principalId: ApiSubjectId, reason: ShortText },
  { ...strict, description: 'revokes trust in an agent for a principal, at once and everywhere' },
);
export type RevocationInput = Static<typeof RevocationInput>;

export const AgentParams = Type.Object({ agentId: SubjectId }, strict);
export type AgentParams = Static<typeof AgentParams>;
export const RecordParams = Type.Object({ agentId: SubjectId, principalId: SubjectId }, strict);
export type RecordParams = Static<typeof RecordParams>;
export const UpdateParams = Type.Object({ id: MessageId }, strict);
export type UpdateParams = Static<typeof UpdateParams>;

export const HistoryQuery = Type.Object(
  {
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  strict,
);
export type HistoryQuery = Static<typeof HistoryQuery>;

export const StreamQuery = Type.Object(
  {
    lastEventId: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'replay what came after this seq (the Last-Event-ID header wins when both are given)',
      }),
    ),
  },
  strict,
);
export type StreamQuery = Static<typeof StreamQuery>;

// ---- Responses --------------------------------------------------------------------------------------------

export const ApiErrorBody = Type.Object(
  {
    code: Type.String({ description: 'stable TM_ERR_* code: branch on this, not on the message' }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'the request field at fault, when there is one' })),
    requestId: Type.Optional(
      Type.String({ description: "on a 500: the id under which the bridge's log holds the details" }),
    ),
  },
  { description: 'every error answer' },
);
export type ApiErrorBody = Static<typeof ApiErrorBody>;

const UpdateState = Type.Union([
  Type.Literal('pending'),
  Type.Literal('committed'),
  Type.Literal('rejected'),
]);
const Rejection = Type.String({ description: 'TM_ERR_PROPOSAL_REJECTED or TM_ERR_PROPOSAL_EXPIRED' });

export const SubmitResult = Type.Object(
  {
    id: MessageId,
    status: UpdateState,
    rejection: Type.Optional(Rejection),
    links: Links,
  },
  {
    description:
      'the update as it stands once this bridge has proposed it and cast its own vote: usually pending; ' +
      'committed at once when that vote alone is a quorum, rejected at once when it cannot pass',
  },
);
export type SubmitResult = Static<typeof SubmitResult>;

const NodeSignature = Type.Object({ nodeId: NodeId, signature: Signature });

export const UpdateStatus = Type.Object(
  {
    id: MessageId,
    status: UpdateState,
    agentId: SubjectId,
    principalId: SubjectId,
    trustScore: Type.Number(),
    event: Type.String(),
    timestamp: Timestamp,
    origin: NodeId,
    createdAt: Type.String({ description: 'when this bridge proposed it' }),
    deadline: Type.String({ description: 'when it is given up unless a quorum accepted it' }),
    settledAt: Type.Optional(Type.String()),
    tally: Type.Object({
      acceptWeight: Type.Number(),
      rejectWeight: Type.Number(),
      totalStake: Type.Number(),
      votes: Type.Integer(),
    }),
    reasons: Type.Record(Type.String(), Type.Integer(), {
      description: 'reject reason codes, with how many validators gave each',
    }),
    rejection: Type.Optional(Rejection),
    commitId: Type.Optional(MessageId),
    signatures: Type.Optional(
      Type.Array(NodeSignature, { description: "the origin's signature, then each accepting validator's" }),
    ),
    links: Links,
  },
  { description: 'a trust update proposed through this bridge' },
);
export type UpdateStatus = Static<typeof UpdateStatus>;

export const RevocationResult = Type.Object({
  id: MessageId,
  status: Type.Literal('applied'),
  timestamp: Timestamp,
  links: Links,
});
export type RevocationResult = Static<typeof RevocationResult>;

const HistoryItem = Type.Object({ timestamp: Timestamp, event: Type.String(), fromNode: NodeId });

export const TrustRecord = Type.Object(
  {
    agentId: SubjectId,
    principalId: SubjectId,
    trustScore: Type.Number(),
    lastUpdated: Type.String(),
    updateHistory: Type.Array(HistoryItem),
    signatures: Type.Array(NodeSignature),
    revoked: Type.Boolean(),
  },
  { description: "the spec's MeshTrustRecord, plus `revoked`" },
);
export type TrustRecord = Static<typeof TrustRecord>;

export const AgentRecords = Type.Object({ agentId: SubjectId, records: Type.Array(TrustRecord) });
export type AgentRecords = Static<typeof AgentRecords>;

export const HistoryPage = Type.Object({
  items: Type.Array(HistoryItem),
  total: Type.Integer(),
  offset: Type.Integer(),
  limit: Type.Integer(),
  links: Links,
});
export type HistoryPage = Static<typeof HistoryPage>;

/** Where this node stands in catching up with the network (the node's syncStatus()), times as ISO 8601. */
export const SyncProgress = Type.Object(
  {
    state: Type.Union([Type.Literal('syncing'), Type.Literal('synced')]),
    ready: Type.Boolean({ description: 'caught up: votes, and its reads are authoritative' }),
    startedAt: Type.String(),
    finishedAt: Type.Optional(Type.String()),
    blocksTotal: Type.Integer({
      description: 'block parts planned since start, each once (= blocksDone between rounds)',
    }),
    blocksDone: Type.Integer({ description: 'block parts applied since start' }),
    entriesApplied: Type.Integer(),
    entriesPerSecond: Type.Integer(),
    etaMs: Type.Optional(Type.Integer()),
    peers: Type.Array(
      Type.Object({
        nodeId: NodeId,
        blocks: Type.Integer(),
        entries: Type.Integer(),
        failures: Type.Integer({ description: 'timeouts and answers that failed verification' }),
      }),
    ),
    lastRoundAt: Type.Optional(Type.String({ description: 'when the last comparison with peers ended' })),
  },
  { description: 'sync state and progress' },
);
export type SyncProgress = Static<typeof SyncProgress>;

export const NodeStatus = Type.Object({
  nodeId: NodeId,
  publicKey: Type.String(),
  type: Type.String(),
  version: Type.String(),
  network: Type.String(),
  endpoint: Type.String(),
  validator: Type.Boolean(),
  peers: Type.Integer(),
  ledger: Type.Object({
    entries: Type.Integer(),
    latestSeq: Type.Integer({ description: 'the last change-stream id (SSE `id:`) this node assigned' }),
  }),
  pendingProposals: Type.Integer(),
  uptimeMs: Type.Number(),
  sync: SyncProgress,
});
export type NodeStatus = Static<typeof NodeStatus>;

export const PeerList = Type.Object({
  peers: Type.Array(
    Type.Object({
      nodeId: NodeId,
      direction: Type.String(),
      address: Type.String(),
      endpoints: Type.Array(Type.String()),
      capabilities: Type.Array(Type.String()),
      connectedAt: Type.String(),
      rttMs: Type.Union([Type.Number(), Type.Null()]),
      score: Type.Optional(
        Type.Number({
          description: 'peer score (gossipsub-style; below -50 the peer is dropped for a while)',
        }),
      ),
    }),
  ),
  /** The Kademlia routing table: nodes this node reached itself, by bucket (shared leading bits with its id). */
  routing: Type.Optional(
    Type.Object({
      size: Type.Integer(),
      buckets: Type.Array(Type.Object({ index: Type.Integer(), size: Type.Integer() })),
      candidates: Type.Integer({ description: 'nodes heard of (NODES, announces, stored) but not reached' }),
      lookups: Type.Integer({ description: 'lookups finished since start' }),
    }),
  ),
});
export type PeerList = Static<typeof PeerList>;

export const KeyList = Type.Object(
  {
    keys: Type.Array(Type.Object({ nodeId: NodeId, publicKey: PublicKey })),
  },
  {
    description:
      "Every public key this node's registry holds, by node id (sorted): the network file's and each applied " +
      "key rotation's new key. A commit's votes name their voter, not its key: this is what verifying them " +
      'outside a node needs (docs/PROTOCOL.md §6.4).',
  },
);
export type KeyList = Static<typeof KeyList>;

export const Health = Type.Object({ status: Type.Literal('ok'), nodeId: NodeId, peers: Type.Integer() });
export type Health = Static<typeof Health>;

export const Readiness = Type.Object({
  status: Type.Literal('ready'),
  nodeId: NodeId,
  peers: Type.Integer(),
  sync: SyncProgress,
});
export type Readiness = Static<typeof Readiness>;

/** /readyz while catching up: the error shape (TM_ERR_SYNCING) with the progress beside it. */
export const NotReady = Type.Object(
  {
    ...ApiErrorBody.properties,
    sync: Type.Optional(SyncProgress),
  },
  { description: 'an error answer; `sync` is there when the node is catching up (TM_ERR_SYNCING)' },
);
export type NotReady = Static<typeof NotReady>;

/** The JSON in each SSE `data:` line: a summary to act on, and the signed entry itself to verify if wished. */
export const StreamEvent = Type.Object(
  {
    seq: Type.Integer({ description: "position in this node's ledger; also the SSE `id:`" }),
    type: Type.String({ description: 'COMMIT, REVOCATION, KEY_ROTATION, SECURITY_ALERT or BLACKLIST' }),
    id: MessageId,
    timestamp: Timestamp,
    origin: NodeId,
    updateId: Type.Optional(MessageId),
    agentId: Type.Optional(SubjectId),
    principalId: Type.Optional(SubjectId),
    trustScore: Type.Optional(Type.Number()),
    event: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    severity: Type.Optional(Type.String()),
    subject: Type.Optional(Type.Object({ kind: Type.String(), id: Type.String() })),
    summary: Type.Optional(Type.String()),
    newNodeId: Type.Optional(NodeId),
    offender: Type.Optional(NodeId),
    entry: Type.Unknown({ description: 'the signed ledger entry, as gossiped' }),
  },
  {
    description:
      'COMMIT: the update (updateId, its timestamp and origin, agentId, principalId, trustScore, event); ' +
      'REVOCATION: agentId, principalId, reason; SECURITY_ALERT: severity, subject, summary; ' +
      'KEY_ROTATION: newNodeId; BLACKLIST: offender, reason',
  },
);
export type StreamEvent = Static<typeof StreamEvent>;

/** Error answers every route may give, by status, for the document. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ApiErrorBody]));
}
