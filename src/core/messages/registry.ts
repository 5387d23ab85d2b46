// What the protocol knows about each message type: how far it travels, which lane it takes, its compiled validator.
// Validators are compiled once at module load and shared by the WebSocket decoder and the HTTP API.
import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { MESSAGE_SCHEMAS, type MessageType } from './schemas.js';

/**
 * link: neighbour to neighbour, never forwarded. gossip: signed by its origin, forwarded to every peer — over the
 * dissemination tree (core/gossip/tree.ts) on the normal lane, to all on the critical lane.
 * routed: signed, forwarded hop by hop back toward the origin of the message it answers (votes).
 */
export type Scope = 'link' | 'gossip' | 'routed';
/** Critical frames are queued, sent and handled before any normal frame on every connection. */
export type Lane = 'critical' | 'normal';

export interface TypeInfo {
  readonly scope: Scope;
  readonly lane: Lane;
}

export const MESSAGE_INFO: Readonly<Record<MessageType, TypeInfo>> = {
  HANDSHAKE: { scope: 'link', lane: 'critical' },
  HANDSHAKE_ACK: { scope: 'link', lane: 'critical' },
  PING: { scope: 'link', lane: 'critical' },
  PONG: { scope: 'link', lane: 'critical' },
  TRUST_UPDATE: { scope: 'gossip', lane: 'normal' },
  VOTE: { scope: 'routed', lane: 'normal' },
  COMMIT: { scope: 'gossip', lane: 'normal' },
  REVOCATION: { scope: 'gossip', lane: 'critical' },
  KEY_ROTATION: { scope: 'gossip', lane: 'critical' },
  SECURITY_ALERT: { scope: 'gossip', lane: 'critical' },
  BLACKLIST: { scope: 'gossip', lane: 'critical' },
  PEER_ANNOUNCE: { scope: 'gossip', lane: 'normal' },
  FIND_NODE: { scope: 'link', lane: 'normal' },
  NODES: { scope: 'link', lane: 'normal' },
  PRUNE: { scope: 'link', lane: 'normal' },
  IHAVE: { scope: 'link', lane: 'normal' },
  GRAFT: { scope: 'link', lane: 'normal' },
  SYNC_STATUS_REQUEST: { scope: 'link', lane: 'normal' },
  SYNC_STATUS: { scope: 'link', lane: 'normal' },
  SYNC_ROOTS_REQUEST: { scope: 'link', lane: 'normal' },
  SYNC_ROOTS: { scope: 'link', lane: 'normal' },
  SYNC_BLOCK_REQUEST: { scope: 'link', lane: 'normal' },
  SYNC_BLOCK: { scope: 'link', lane: 'normal' },
  SYNC_REFUSED: { scope: 'link', lane: 'normal' },
  QUERY: { scope: 'link', lane: 'normal' },
  QUERY_RESULT: { scope: 'link', lane: 'normal' },
};

const validators = new Map<string, TypeCheck<TSchema>>(
  Object.entries(MESSAGE_SCHEMAS).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]),
);

export function isMessageType(type: string): type is MessageType {
  return Object.hasOwn(MESSAGE_SCHEMAS, type);
}

/** Null when valid, otherwise a short description of the first violation (path and reason). */
export function schemaViolation(type: MessageType, value: unknown): string | null {
  const check = validators.get(type)!;
  if (check.Check(value)) return null;
  const first = check.Errors(value).First();
  return first ? `${first.path || '/'}: ${first.message}` : 'invalid';
}
