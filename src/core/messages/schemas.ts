// One JSON Schema per wire message: the single source of truth for runtime validation and TypeScript types.
// docs/PROTOCOL.md describes each one; field schemas come from fields.ts. All objects reject unknown properties.
import { type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import {
  Capabilities,
  Critical,
  Digest,
  Endpoints,
  LongText,
  MessageId,
  NodeId,
  Nonce,
  PublicKey,
  RevocationKey,
  ShortText,
  Signature,
  SubjectId,
  Timestamp,
  TrustEvent,
  Version,
} from './fields.js';

const strict = { additionalProperties: false } as const;

/** Fields of every message that crosses more than one hop: who made it, when, and with which key. */
function gossipEnvelope<T extends string, P extends TProperties>(type: T, properties: P) {
  return Type.Object(
    {
      type: Type.Literal(type),
      version: Version,
      id: MessageId,
      timestamp: Timestamp,
      origin: NodeId,
      originKey: PublicKey,
      ...properties,
    },
    strict,
  );
}

/** Fields of a neighbour-only request or response, matched by `id`. */
function linkMessage<T extends string, P extends TProperties>(type: T, properties: P) {
  return Type.Object({ type: Type.Literal(type), version: Version, id: MessageId, ...properties }, strict);
}

// ---- Link layer: handshake and heartbeat ------------------------------------------------------------

export const HandshakeSchema = Type.Object(
  {
    type: Type.Literal('HANDSHAKE'),
    version: Version,
    networkId: ShortText,
    nodeId: NodeId,
    publicKey: PublicKey,
    capabilities: Capabilities,
    /** Fresh random challenge the other side must sign. */
    nonce: Nonce,
    /** Where this node accepts connections, if anywhere. */
    endpoints: Endpoints,
    agent: Type.Optional(ShortText),
  },
  strict,
);

export const HandshakeAckSchema = Type.Object(
  { type: Type.Literal('HANDSHAKE_ACK'), version: Version, signature: Signature },
  strict,
);

export const PingSchema = Type.Object(
  { type: Type.Literal('PING'), version: Type.Optional(Version), timestamp: Timestamp },
  strict,
);

export const PongSchema = Type.Object(
  { type: Type.Literal('PONG'), version: Type.Optional(Version), timestamp: Timestamp },
  strict,
);

// ---- Trust updates and consensus --------------------------------------------------------------------

export const TrustUpdateSchema = gossipEnvelope('TRUST_UPDATE', {
  payload: Type.Object(
    {
      agentId: SubjectId,
      principalId: SubjectId,
      /** Range and integrality are semantic checks so validators can vote `reject` with a reason. */
      trustScore: Type.Number(),
      event: TrustEvent,
      /** REINSTATEMENT only: the ledger keys of the revocations it lifts (none other is lifted). */
      lifts: Type.Optional(Type.Array(RevocationKey, { minItems: 1, maxItems: 64 })),
      signature: Signature,
    },
    strict,
  ),
});

export const VoteSchema = gossipEnvelope('VOTE', {
  updateId: MessageId,
  updateOrigin: NodeId,
  /** SHA-256 of the update's signed bytes: binds the vote to exactly one update. */
  updateDigest: Digest,
  decision: Type.Union([Type.Literal('accept'), Type.Literal('reject')]),
  reason: Type.Optional(ShortText),
  signature: Signature,
});

export const CommitSchema = gossipEnvelope('COMMIT', {
  update: TrustUpdateSchema,
  votes: Type.Array(VoteSchema, { minItems: 1, maxItems: 256 }),
  signature: Signature,
});

// ---- Critical events --------------------------------------------------------------------------------

export const RevocationSchema = gossipEnvelope('REVOCATION', {
  priority: Critical,
  payload: Type.Object(
    { agentId: SubjectId, principalId: SubjectId, reason: ShortText, signature: Signature },
    strict,
  ),
});

export const KeyRotationSchema = gossipEnvelope('KEY_ROTATION', {
  priority: Critical,
  newNodeId: NodeId,
  newPublicKey: PublicKey,
  /** Signature by the new key over the same bytes as `signature` (both fields left out). */
  newSignature: Signature,
  signature: Signature,
});

/** Evidence is a list of whole signed messages, each re-validated on its own by the receiver. */
const Evidence = Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 4 });

export const SecurityAlertSchema = gossipEnvelope('SECURITY_ALERT', {
  priority: Critical,
  severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]),
  subject: Type.Object(
    {
      kind: Type.Union([Type.Literal('node'), Type.Literal('agent'), Type.Literal('network')]),
      id: ShortText,
    },
    strict,
  ),
  summary: LongText,
  evidence: Evidence,
  signature: Signature,
});

export const BlacklistSchema = gossipEnvelope('BLACKLIST', {
  priority: Critical,
  offender: NodeId,
  reason: Type.Union([Type.Literal('EQUIVOCATION'), Type.Literal('INVALID_MESSAGE')]),
  evidence: Type.Array(Type.Object({}, { additionalProperties: true }), { minItems: 1, maxItems: 2 }),
  signature: Signature,
});

// ---- Discovery ----------------------------------------------------------------------------------------

export const PeerAnnounceSchema = Type.Object(
  {
    type: Type.Literal('PEER_ANNOUNCE'),
    version: Version,
    id: MessageId,
    timestamp: Timestamp,
    nodeId: NodeId,
    publicKey: PublicKey,
    endpoints: Endpoints,
    capabilities: Capabilities,
    signature: Signature,
  },
  strict,
);

const PeerInfo = Type.Object(
  { nodeId: NodeId, publicKey: PublicKey, endpoints: Endpoints, capabilities: Capabilities },
  strict,
);

export const FindNodeSchema = linkMessage('FIND_NODE', { target: NodeId });
export const NodesSchema = linkMessage('NODES', { nodes: Type.Array(PeerInfo, { maxItems: 20 }) });

// ---- Sync and light-node queries (request/response between neighbours) ---------------------------------

/** What a ledger holds and sync carries: committed updates and critical events, each self-verifying. */
export const LedgerEntrySchema = Type.Union([
  CommitSchema,
  RevocationSchema,
  KeyRotationSchema,
  SecurityAlertSchema,
  BlacklistSchema,
]);

const Height = Type.Integer({ minimum: -1 });

export const GetHeightSchema = linkMessage('GET_HEIGHT', {});
export const HeightSchema = linkMessage('HEIGHT', { height: Height, summaryRoot: Digest });
export const GetRootsSchema = linkMessage('GET_ROOTS', {
  from: Type.Integer({ minimum: 0 }),
  to: Type.Integer({ minimum: 0 }),
});
export const RootsSchema = linkMessage('ROOTS', {
  from: Type.Integer({ minimum: 0 }),
  roots: Type.Array(Digest, { maxItems: 1024 }),
});
export const GetBlocksSchema = linkMessage('GET_BLOCKS', {
  from: Type.Integer({ minimum: 0 }),
  to: Type.Integer({ minimum: 0 }),
});
export const BlocksSchema = linkMessage('BLOCKS', {
  blocks: Type.Array(
    Type.Object(
      {
        height: Type.Integer({ minimum: 0 }),
        root: Digest,
        entries: Type.Array(LedgerEntrySchema, { maxItems: 10_000 }),
      },
      strict,
    ),
    { maxItems: 64 },
  ),
});

/** A light node asks for the entries behind one agent's records (one principal, or all), page by page. */
export const QuerySchema = linkMessage('QUERY', {
  agentId: SubjectId,
  principalId: Type.Optional(SubjectId),
  /** Opaque position from a previous answer's `next`. */
  cursor: Type.Optional(ShortText),
});
export const QueryResultSchema = linkMessage('QUERY_RESULT', {
  entries: Type.Array(LedgerEntrySchema, { maxItems: 1000 }),
  /** Present when more entries follow; pass it back as `cursor`. */
  next: Type.Optional(ShortText),
});

// ---- Types derived from the schemas -------------------------------------------------------------------

export type Handshake = Static<typeof HandshakeSchema>;
export type HandshakeAck = Static<typeof HandshakeAckSchema>;
export type Ping = Static<typeof PingSchema>;
export type Pong = Static<typeof PongSchema>;
export type TrustUpdate = Static<typeof TrustUpdateSchema>;
export type Vote = Static<typeof VoteSchema>;
export type Commit = Static<typeof CommitSchema>;
export type Revocation = Static<typeof RevocationSchema>;
export type KeyRotation = Static<typeof KeyRotationSchema>;
export type SecurityAlert = Static<typeof SecurityAlertSchema>;
export type Blacklist = Static<typeof BlacklistSchema>;
export type PeerAnnounce = Static<typeof PeerAnnounceSchema>;
export type FindNode = Static<typeof FindNodeSchema>;
export type Nodes = Static<typeof NodesSchema>;
export type PeerInfo = Static<typeof PeerInfo>;
export type LedgerEntry = Static<typeof LedgerEntrySchema>;
export type GetHeight = Static<typeof GetHeightSchema>;
export type Height = Static<typeof HeightSchema>;
export type GetRoots = Static<typeof GetRootsSchema>;
export type Roots = Static<typeof RootsSchema>;
export type GetBlocks = Static<typeof GetBlocksSchema>;
export type Blocks = Static<typeof BlocksSchema>;
export type Query = Static<typeof QuerySchema>;
export type QueryResult = Static<typeof QueryResultSchema>;

export const MESSAGE_SCHEMAS = {
  HANDSHAKE: HandshakeSchema,
  HANDSHAKE_ACK: HandshakeAckSchema,
  PING: PingSchema,
  PONG: PongSchema,
  TRUST_UPDATE: TrustUpdateSchema,
  VOTE: VoteSchema,
  COMMIT: CommitSchema,
  REVOCATION: RevocationSchema,
  KEY_ROTATION: KeyRotationSchema,
  SECURITY_ALERT: SecurityAlertSchema,
  BLACKLIST: BlacklistSchema,
  PEER_ANNOUNCE: PeerAnnounceSchema,
  FIND_NODE: FindNodeSchema,
  NODES: NodesSchema,
  GET_HEIGHT: GetHeightSchema,
  HEIGHT: HeightSchema,
  GET_ROOTS: GetRootsSchema,
  ROOTS: RootsSchema,
  GET_BLOCKS: GetBlocksSchema,
  BLOCKS: BlocksSchema,
  QUERY: QuerySchema,
  QUERY_RESULT: QueryResultSchema,
} as const satisfies Record<string, TObject>;

export type MessageType = keyof typeof MESSAGE_SCHEMAS;
export type MessageOf<K extends MessageType> = Static<(typeof MESSAGE_SCHEMAS)[K]>;
export type Message = { [K in MessageType]: MessageOf<K> }[MessageType];
export type CriticalEvent = Revocation | KeyRotation | SecurityAlert | Blacklist;
