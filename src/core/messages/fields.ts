// Field schemas shared by several message types: ids, keys, signatures, timestamps and bounded strings.
// Patterns here are the first, cheapest line of defence; semantic checks (ranges, clocks) live in the validators.
import { type Static, Type } from '@sinclair/typebox';

export const PROTOCOL_VERSION = '1.0';

export const Version = Type.Literal(PROTOCOL_VERSION);
/** Lowercase hex SHA-256 of the node's raw Ed25519 public key: its identity and Kademlia id. */
export const NodeId = Type.String({
  pattern: '^[0-9a-f]{64}$',
  description: 'hex SHA-256 of the public key',
});
/** Raw 32-byte Ed25519 public key, standard base64 with padding. */
export const PublicKey = Type.String({
  pattern: '^[A-Za-z0-9+/]{43}=$',
  description: 'base64 Ed25519 public key',
});
/** 64-byte Ed25519 signature, standard base64 with padding. */
export const Signature = Type.String({
  pattern: '^[A-Za-z0-9+/]{86}==$',
  description: 'base64 Ed25519 signature',
});
/** 32-byte random nonce, base64. */
export const Nonce = Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$', description: 'base64 32-byte nonce' });
export const Digest = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'hex SHA-256 digest' });
/** Message ids are chosen by the origin (UUIDs in this implementation; a VOTE's is fixed by its update); unique per origin. */
export const MessageId = Type.String({
  pattern: '^[A-Za-z0-9._:-]{1,128}$',
  description: 'unique message id',
});
/** ISO 8601 UTC, millisecond precision at most; its calendar validity is checked semantically. */
export const Timestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$',
  description: 'ISO 8601 UTC timestamp',
});
/** Exactly what `Date.prototype.toISOString` writes (three fraction digits): a VOTE's, which a COMMIT rebuilds. */
export const CanonicalTimestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
  description: 'ISO 8601 UTC timestamp with milliseconds',
});
/** A node id as a compact vote carries it: its 32 bytes as unpadded base64url. */
export const CompactNodeId = Type.String({
  pattern: '^[A-Za-z0-9_-]{43}$',
  description: 'base64url SHA-256 of the public key',
});
/**
 * Printable text: no control characters, and no lone UTF-16 surrogate (it has no UTF-8 or RFC 8785 form, so it
 * could not be signed). Written to mean the same with and without the regex `u` flag: the wire decoder tests it
 * on UTF-16 units, the bridge API's validator (ajv) on code points.
 */
const PRINTABLE = '^(?:[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff])+$';
/** Agent and principal identifiers: printable; lengths count UTF-16 units (an emoji counts 2). */
export const SubjectId = Type.String({ minLength: 1, maxLength: 256, pattern: PRINTABLE });
export const ShortText = Type.String({ minLength: 1, maxLength: 256, pattern: PRINTABLE });
export const LongText = Type.String({ minLength: 1, maxLength: 2048 });
export const Capability = Type.String({ pattern: '^[A-Z][A-Z0-9_]{0,31}$' });
export const Capabilities = Type.Array(Capability, { maxItems: 16 });
export const Endpoint = Type.String({
  pattern: '^wss?://[^\\s]{1,250}$',
  description: 'ws:// or wss:// URL',
});
export const Endpoints = Type.Array(Endpoint, { maxItems: 8 });
export const Critical = Type.Literal('CRITICAL');
/** The ledger key of a revocation (`REVOCATION:<origin>:<id>`), as a REINSTATEMENT names what it lifts. */
export const RevocationKey = Type.String({ pattern: '^REVOCATION:[0-9a-f]{64}:[A-Za-z0-9._:-]{1,128}$' });

export const TRUST_EVENTS = [
  'VERIFICATION_SUCCESS',
  'VERIFICATION_FAILURE',
  'REGISTRATION',
  'SCORE_UPDATE',
  'REINSTATEMENT',
] as const;
export const TrustEvent = Type.Union(TRUST_EVENTS.map((event) => Type.Literal(event)));
export type TrustEvent = Static<typeof TrustEvent>;
