// One JSON Schema per wire message: the single source of truth for runtime validation and TypeScript types.
// docs/PROTOCOL.md describes each one; field schemas come from fields.ts. All objects reject unknown properties.
import { type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import {
  CanonicalTimestamp,
  Capabilities,
  CompactNodeId,
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
    /** Proof of work of a node outside the network file (core/admission/work.ts): a counter in hex. */
    work: Type.Optional(Type.String({ pattern: '^[0-9a-f]{1,16}$' })),
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
  /** Fixed by the update (consensus/votes.ts voteIdOf): a voter's one vote on it, which a COMMIT need not name. */
  id: MessageId,
  /** Canonical, so that a COMMIT can carry it as an offset from the update's time. */
  timestamp: CanonicalTimestamp,
  updateId: MessageId,
  updateOrigin: NodeId,
  /** SHA-256 of the update's signed bytes: binds the vote to exactly one update. */
  updateDigest: Digest,
  decision: Type.Union([Type.Literal('accept'), Type.Literal('reject')]),
  reason: Type.Optional(ShortText),
  signature: Signature,
});

/**
 * An accepting VOTE as a COMMIT carries it: the fields the update and the registry cannot give, compactly — the
 * voter's id in base64url (`o`), its time as milliseconds after the update's (`t`, negative within clock skew),
 * its signature (`s`). It expands to the VOTE its validator signed (consensus/votes.ts expandVote;
 * docs/PROTOCOL.md §6.4).
 */
export const CompactVoteSchema = Type.Object(
  {
    o: CompactNodeId,
    t: Type.Integer({ minimum: -86_400_000, maximum: 86_400_000 }),
    s: Signature,
  },
  strict,
);

export const CommitSchema = gossipEnvelope('COMMIT', {
  update: TrustUpdateSchema,
  /** Sorted by voter id (`origin`), strictly: one vote per voter. */
  votes: Type.Array(CompactVoteSchema, { minItems: 1, maxItems: 256 }),
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
    /** Proof of work of a node outside the network file, as in its HANDSHAKE: without it, not relayed. */
    work: Type.Optional(Type.String({ pattern: '^[0-9a-f]{1,16}$' })),
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

// ---- Dissemination tree (core/gossip/tree.ts): which links carry gossip eagerly --------------------------

/** A gossiped message's key: its id and its origin's signature (`id:signature`), as in the seen cache. */
const GossipKey = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}:[A-Za-z0-9+/]{86}==$' });
const GossipKeys = Type.Array(GossipKey, { maxItems: 512 });

/** "Stop pushing me this origin's gossip; send its ids only": the sender gets it by another path. */
export const PruneSchema = Type.Object(
  { type: Type.Literal('PRUNE'), version: Version, origin: NodeId },
  strict,
);
/** Keys of gossip the sender handled lately (lazy push). */
export const IHaveSchema = Type.Object(
  { type: Type.Literal('IHAVE'), version: Version, ids: GossipKeys },
  strict,
);
/** "Push gossip to me again, starting with these": sent for announced keys that never arrived. */
export const GraftSchema = Type.Object(
  { type: Type.Literal('GRAFT'), version: Version, ids: GossipKeys },
  strict,
);

// ---- Sync and light-node queries (request/response between neighbours) ---------------------------------

/** What a ledger holds and sync carries: committed updates and critical events, each self-verifying. */
export const LedgerEntrySchema = Type.Union([
  CommitSchema,
  RevocationSchema,
  KeyRotationSchema,
  SecurityAlertSchema,
  BlacklistSchema,
]);

/** Block heights are epochs since genesis; 2^32 of them outlast any network (136 years of 1 s epochs). */
export const MAX_SYNC_HEIGHT = 4_294_967_295;
/** Entries in one block part at most; offsets and counts are bounded by it. */
export const MAX_BLOCK_PART_ENTRIES = 10_000_000;
/** Summary levels at most: 16^8 = 2^32 heights. */
export const MAX_SUMMARY_LEVEL = 8;
/** Roots per SYNC_ROOTS answer at most (fewer when they would not fit a frame). */
export const MAX_ROOTS_PER_ANSWER = 1024;
/** Entries per SYNC_BLOCK page at most (fewer when they would not fit a frame). */
export const MAX_ENTRIES_PER_PAGE = 1000;

const SyncHeight = Type.Integer({ minimum: 0, maximum: MAX_SYNC_HEIGHT });
/** -1: no block is closed yet. */
const LatestHeight = Type.Integer({ minimum: -1, maximum: MAX_SYNC_HEIGHT });
const BlockPartField = Type.Union([Type.Literal('critical'), Type.Literal('commits')]);
const PartCount = Type.Integer({ minimum: 0, maximum: MAX_BLOCK_PART_ENTRIES });
const ReasonCode = Type.String({ pattern: '^TM_ERR_[A-Z0-9_]{1,64}$' });

/** Asks a neighbour where its ledger stands. */
export const SyncStatusRequestSchema = linkMessage('SYNC_STATUS_REQUEST', {});
export const SyncStatusSchema = linkMessage('SYNC_STATUS', {
  /** Newest closed block (its epoch ended more than the grace period ago), -1 for none. */
  latestHeight: LatestHeight,
  /** Root of the Merkle summary over blocks [0, latestHeight]. */
  summaryRoot: Digest,
  /** Entries in the node's ledger (all heights, closed or not): a hint for planning, not verified. */
  entryCount: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  /** Whether the node believes it has caught up; a syncing node is a poor source. */
  state: Type.Union([Type.Literal('syncing'), Type.Literal('synced')]),
});

/** Asks for the roots of summary nodes of one level in the tree over heights [0, top]. */
export const SyncRootsRequestSchema = linkMessage('SYNC_ROOTS_REQUEST', {
  top: SyncHeight,
  level: Type.Integer({ minimum: 0, maximum: MAX_SUMMARY_LEVEL }),
  indexes: Type.Array(SyncHeight, { minItems: 1, maxItems: MAX_ROOTS_PER_ANSWER }),
});
export const SyncRootsSchema = linkMessage('SYNC_ROOTS', {
  top: SyncHeight,
  level: Type.Integer({ minimum: 0, maximum: MAX_SUMMARY_LEVEL }),
  /** roots[i] is the root of node indexes[i] of the request; a shorter list answers a prefix (frame size). */
  roots: Type.Array(Digest, { maxItems: MAX_ROOTS_PER_ANSWER }),
});

/** Asks for one page of one part of a block. */
export const SyncBlockRequestSchema = linkMessage('SYNC_BLOCK_REQUEST', {
  height: SyncHeight,
  part: BlockPartField,
  /** Position in the part's entries (block order) to start from: 0, then a previous page's `next`. */
  offset: PartCount,
});
export const SyncBlockSchema = linkMessage('SYNC_BLOCK', {
  height: SyncHeight,
  part: BlockPartField,
  offset: PartCount,
  entries: Type.Array(LedgerEntrySchema, { maxItems: MAX_ENTRIES_PER_PAGE }),
  /** Offset of the following page; absent on the part's last page. */
  next: Type.Optional(PartCount),
  /** The block as the server holds it now: its root, both part roots and part sizes (for checking). */
  root: Digest,
  criticalRoot: Digest,
  commitRoot: Digest,
  criticalCount: PartCount,
  commitCount: PartCount,
});

/** The answer to a sync request that cannot be served (a height not closed here, nodes outside the tree). */
export const SyncRefusedSchema = linkMessage('SYNC_REFUSED', {
  code: ReasonCode,
  /** The server's newest closed block, so the asker can retry within it. */
  latestHeight: LatestHeight,
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
export type CompactVote = Static<typeof CompactVoteSchema>;
export type Commit = Static<typeof CommitSchema>;
export type Revocation = Static<typeof RevocationSchema>;
export type KeyRotation = Static<typeof KeyRotationSchema>;
export type SecurityAlert = Static<typeof SecurityAlertSchema>;
export type Blacklist = Static<typeof BlacklistSchema>;
export type PeerAnnounce = Static<typeof PeerAnnounceSchema>;
export type FindNode = Static<typeof FindNodeSchema>;
export type Nodes = Static<typeof NodesSchema>;
export type Prune = Static<typeof PruneSchema>;
export type IHave = Static<typeof IHaveSchema>;
export type Graft = Static<typeof GraftSchema>;
export type PeerInfo = Static<typeof PeerInfo>;
export type LedgerEntry = Static<typeof LedgerEntrySchema>;
export type SyncStatusRequest = Static<typeof SyncStatusRequestSchema>;
export type SyncStatus = Static<typeof SyncStatusSchema>;
export type SyncRootsRequest = Static<typeof SyncRootsRequestSchema>;
export type SyncRoots = Static<typeof SyncRootsSchema>;
export type SyncBlockRequest = Static<typeof SyncBlockRequestSchema>;
export type SyncBlock = Static<typeof SyncBlockSchema>;
export type SyncRefused = Static<typeof SyncRefusedSchema>;
export type SyncRequest = SyncStatusRequest | SyncRootsRequest | SyncBlockRequest;
export type SyncResponse = SyncStatus | SyncRoots | SyncBlock | SyncRefused;
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
  PRUNE: PruneSchema,
  IHAVE: IHaveSchema,
  GRAFT: GraftSchema,
  SYNC_STATUS_REQUEST: SyncStatusRequestSchema,
  SYNC_STATUS: SyncStatusSchema,
  SYNC_ROOTS_REQUEST: SyncRootsRequestSchema,
  SYNC_ROOTS: SyncRootsSchema,
  SYNC_BLOCK_REQUEST: SyncBlockRequestSchema,
  SYNC_BLOCK: SyncBlockSchema,
  SYNC_REFUSED: SyncRefusedSchema,
  QUERY: QuerySchema,
  QUERY_RESULT: QueryResultSchema,
} as const satisfies Record<string, TObject>;

export type MessageType = keyof typeof MESSAGE_SCHEMAS;
export type MessageOf<K extends MessageType> = Static<(typeof MESSAGE_SCHEMAS)[K]>;
export type Message = { [K in MessageType]: MessageOf<K> }[MessageType];
export type CriticalEvent = Revocation | KeyRotation | SecurityAlert | Blacklist;
