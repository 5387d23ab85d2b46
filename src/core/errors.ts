// Stable error and reason codes for the whole package, and the one error class that carries them.
// Callers branch on `code`, never on message text; HTTP status lives here too so the API maps errors in one place.

/** Every code, with the HTTP status the bridge API answers when it surfaces one. */
export const ERROR_CODES = {
  // Framing and decoding (wire input; never throws, becomes a reject outcome).
  TM_ERR_FRAME_TOO_LARGE: { status: 413, message: 'frame exceeds the maximum size' },
  TM_ERR_FRAME_BINARY: { status: 400, message: 'binary frames are not part of the protocol' },
  TM_ERR_FRAME_INVALID: {
    status: 400,
    message: 'the WebSocket framing is broken (bad opcode, mask or flags)',
  },
  TM_ERR_FRAME_NOT_JSON: { status: 400, message: 'frame is not valid JSON' },
  TM_ERR_FRAME_NOT_OBJECT: { status: 400, message: 'frame is not a JSON object with a string "type"' },
  TM_ERR_SCHEMA_INVALID: { status: 400, message: 'message does not match its schema' },
  TM_ERR_UNKNOWN_TYPE: { status: 400, message: 'unknown message type' },
  TM_ERR_VERSION_UNSUPPORTED: { status: 400, message: 'unsupported protocol version' },

  // Identity and signatures.
  TM_ERR_SIG_INVALID: { status: 400, message: 'signature does not verify' },
  TM_ERR_NODE_ID_MISMATCH: { status: 400, message: 'nodeId is not the SHA-256 of the public key' },
  TM_ERR_KEY_ROTATED: { status: 400, message: 'the signing key was rotated away' },
  TM_ERR_BLACKLISTED: { status: 403, message: 'the origin is blacklisted' },
  TM_ERR_UNKNOWN_ORIGIN: { status: 400, message: 'the origin is not a member of this network' },

  // Handshake and connection.
  TM_ERR_NOT_HANDSHAKEN: { status: 400, message: 'message received before the handshake completed' },
  TM_ERR_HANDSHAKE_TIMEOUT: { status: 408, message: 'handshake did not complete in time' },
  TM_ERR_HANDSHAKE_UNEXPECTED: { status: 400, message: 'handshake message out of sequence' },
  TM_ERR_NETWORK_MISMATCH: { status: 400, message: 'peer belongs to another network' },
  TM_ERR_SELF_CONNECTION: { status: 400, message: 'connected to itself' },
  TM_ERR_DUPLICATE_CONNECTION: { status: 409, message: 'already connected to this node' },
  TM_ERR_BOOTSTRAP_KEY_MISMATCH: {
    status: 400,
    message: 'bootstrap node presented a key other than the pinned one',
  },
  TM_ERR_PEER_TIMEOUT: { status: 408, message: 'peer stopped answering heartbeats' },
  TM_ERR_BACKPRESSURE: { status: 503, message: 'peer is not reading; its send queue is full' },
  TM_ERR_RATE_LIMITED: { status: 429, message: 'rate limit exceeded' },
  TM_ERR_TOO_MANY_PEERS: { status: 503, message: 'connection limit reached' },
  TM_ERR_ADMISSION_WORK: {
    status: 403,
    message: 'a node outside the network file must show its proof of work',
  },
  TM_ERR_PEER_SCORE: {
    status: 429,
    message: 'peer score below the threshold: disconnected and refused for a while',
  },

  // Gossip outcomes that are not the sender's fault.
  TM_ERR_DUPLICATE: { status: 409, message: 'message already seen' },
  TM_ERR_NO_ROUTE: { status: 404, message: 'no route back to the origin of this message' },

  // Trust updates, votes and commits.
  TM_ERR_TIMESTAMP_SKEW: { status: 400, message: 'timestamp is outside the allowed clock skew' },
  TM_ERR_TIMESTAMP_INVALID: { status: 400, message: 'timestamp is not a valid ISO 8601 UTC time' },
  TM_ERR_SCORE_OUT_OF_RANGE: { status: 400, message: 'trustScore must be between 0 and 1000' },
  TM_ERR_SCORE_NOT_INTEGER: { status: 400, message: 'trustScore must be an integer' },
  TM_ERR_LIFTS_INVALID: { status: 400, message: 'only a REINSTATEMENT may name revocations it lifts' },
  TM_ERR_NO_VALIDATORS: {
    status: 409,
    message: 'the network has no staked validators, so nothing can commit',
  },
  TM_ERR_VOTE_STALE: { status: 400, message: 'the vote is dated outside its proposal window' },
  TM_ERR_NOT_VALIDATOR: { status: 400, message: 'the voter holds no stake in this network' },
  TM_ERR_VOTE_MISMATCH: { status: 400, message: 'the vote signs a different update' },
  TM_ERR_VOTE_DUPLICATE: { status: 400, message: 'the same validator voted twice' },
  TM_ERR_VOTE_ORDER: { status: 400, message: "a commit's votes are not sorted by voter id" },
  TM_ERR_QUORUM_NOT_REACHED: {
    status: 400,
    message: 'accepting stake is not more than half of the active stake',
  },
  TM_ERR_PROPOSAL_EXPIRED: {
    status: 408,
    message: 'the proposal did not reach a quorum before its deadline',
  },
  TM_ERR_PROPOSAL_REJECTED: {
    status: 409,
    message: 'validators holding at least half the stake rejected it',
  },

  // Critical events and evidence.
  TM_ERR_EVIDENCE_INVALID: { status: 400, message: 'blacklist evidence does not prove misbehaviour' },
  TM_ERR_ROTATION_INVALID: { status: 400, message: 'key rotation is not signed by both keys' },

  // Sync (catch-up and anti-entropy between neighbours).
  TM_ERR_SYNC_HEIGHT_IMPLAUSIBLE: {
    status: 400,
    message: 'a block height is claimed or asked for that the clock has not closed yet',
  },
  TM_ERR_SYNC_ROOT_MISMATCH: {
    status: 400,
    message: 'the block entries do not match the root served for them',
  },
  TM_ERR_SYNC_ANSWER_INVALID: {
    status: 400,
    message: 'the sync answer does not match its request or contradicts itself',
  },
  TM_ERR_SYNC_REQUEST_INVALID: {
    status: 400,
    message: 'the sync request names heights or nodes out of range',
  },

  // Local configuration, storage and API (the caller's own mistakes; these throw).
  TM_ERR_CONFIG_INVALID: { status: 500, message: 'invalid configuration' },
  TM_ERR_NETWORK_FILE_INVALID: { status: 500, message: 'invalid network file' },
  TM_ERR_SCENARIO_INVALID: { status: 500, message: 'invalid simulator scenario' },
  TM_ERR_KEY_EXISTS: { status: 409, message: 'a key already exists in this data directory' },
  TM_ERR_DATA_DIR_IN_USE: { status: 409, message: 'another running node uses this data directory' },
  TM_ERR_KEY_MISSING: { status: 500, message: 'no node key in this data directory; run `trust-mesh init`' },
  TM_ERR_STORE: { status: 500, message: 'storage failure' },
  TM_ERR_NOT_RUNNING: { status: 503, message: 'the node is not running' },
  TM_ERR_SYNCING: {
    status: 503,
    message: 'the node is catching up with the network and does not answer authoritatively yet',
  },
  TM_ERR_PEER_FILTERED: { status: 403, message: 'the link to this peer is not allowed here' },
  TM_ERR_NOT_FOUND: { status: 404, message: 'not found' },
  TM_ERR_UNAUTHORIZED: { status: 401, message: 'a valid bearer token is required' },
  TM_ERR_FORBIDDEN: { status: 403, message: 'the token lacks the required scope' },
  TM_ERR_BAD_REQUEST: { status: 400, message: 'malformed request' },
  TM_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'request body too large' },
  TM_ERR_NO_FULL_NODE: { status: 503, message: 'no full node could answer with a verified record' },
  TM_ERR_REQUEST_TIMEOUT: { status: 504, message: 'the peer did not answer the request in time' },
  TM_ERR_PEER_DISCONNECTED: { status: 503, message: 'the peer disconnected before answering' },
  TM_ERR_PEER_NOT_NEEDED: {
    status: 409,
    message: 'connection closed by discovery: more outbound peers than wanted, or a lookup finished',
  },
  TM_ERR_INTERNAL: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TrustMeshError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    detail?: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${detail ?? ERROR_CODES[code].message}`, options);
    this.name = 'TrustMeshError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isTrustMeshError(value: unknown): value is TrustMeshError {
  return value instanceof TrustMeshError;
}
