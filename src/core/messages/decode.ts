// Turns one untrusted text frame into a schema-valid message, cheapest checks first, without ever throwing.
// Signature checks come later, in the engine, and only for frames that survive these.
import { accept, ignore, type Outcome, reject } from '../outcome.js';
import { PROTOCOL_VERSION } from './fields.js';
import { isMessageType, schemaViolation } from './registry.js';
import type { Message } from './schemas.js';

/**
 * Deepest nesting of objects and arrays a message may have. The deepest honest message (a BLACKLIST with a
 * COMMIT as evidence inside a SYNC_BLOCK) nests 8 levels; evidence objects are free-form, and the signing code
 * (RFC 8785 canonical form) and JSON.stringify recurse, so a frame nested thousands deep would overflow the
 * stack there.
 */
export const MAX_NESTING = 32;

/** A UTF-16 surrogate without its partner: JSON allows it as an escape, RFC 8785 (and UTF-8) do not. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text whose parse may hold a surrogate: an escape, or one in the text itself. A frame from a socket has none
 * of its own (invalid UTF-8 decodes to U+FFFD), so most frames are looked at once here instead of string by string.
 */
const MAY_HOLD_SURROGATE = /\\u|[\ud800-\udfff]/;

/** Whether stack capture can be turned off around JSON.parse (not where intrinsics are frozen). */
const STACKS_SETTABLE = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')?.writable === true;

export function decodeFrame(text: string, maxBytes: number): Outcome<Message> {
  // A UTF-16 length above the byte limit always means more bytes, and one a third of it or less never does (a code
  // unit takes at most 3 bytes); the exact byte count is the socket's job.
  const { length } = text;
  if (length > maxBytes || (length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes)) {
    return reject('TM_ERR_FRAME_TOO_LARGE', `${Buffer.byteLength(text, 'utf8')} > ${maxBytes} bytes`);
  }
  let value: unknown;
  // The SyntaxError is never looked at, and capturing its stack is about half of what a frame of garbage costs.
  const stackTraceLimit = Error.stackTraceLimit;
  if (STACKS_SETTABLE) Error.stackTraceLimit = 0;
  try {
    value = JSON.parse(text);
  } catch {
    return reject('TM_ERR_FRAME_NOT_JSON');
  } finally {
    if (STACKS_SETTABLE) Error.stackTraceLimit = stackTraceLimit;
  }
  return decodeParsed(value, MAY_HOLD_SURROGATE.test(text));
}

/** Validates an already-parsed value (evidence inside a BLACKLIST, entries inside a sync answer). */
export function decodeValue(value: unknown): Outcome<Message> {
  return decodeParsed(value, true);
}

function decodeParsed(value: unknown, surrogates: boolean): Outcome<Message> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return reject('TM_ERR_FRAME_NOT_OBJECT');
  const { type, version } = value as { type?: unknown; version?: unknown };
  if (typeof type !== 'string') return reject('TM_ERR_FRAME_NOT_OBJECT');
  // Newer types and versions are not the sender's fault: a newer node may speak them.
  if (!isMessageType(type)) return ignore('TM_ERR_UNKNOWN_TYPE', type.slice(0, 64));
  if (version !== undefined && version !== PROTOCOL_VERSION) {
    // Only primitives are quoted: String() of a crafted object can throw (or run nothing useful).
    return ignore(
      'TM_ERR_VERSION_UNSUPPORTED',
      typeof version === 'string' ? version.slice(0, 16) : typeof version,
    );
  }
  const violation = schemaViolation(type, value);
  if (violation !== null) return reject('TM_ERR_SCHEMA_INVALID', `${type} ${violation}`);
  // After the schema, which rejects most garbage without walking it (it does not look into free-form evidence).
  const unsigned = unsignableBy(value, surrogates);
  if (unsigned !== null) return reject('TM_ERR_SCHEMA_INVALID', `${type} ${unsigned}`);
  return accept(value as Message);
}

/**
 * Why a parsed value has no RFC 8785 canonical form (so no signing bytes), or null. Found by fuzzing: each of
 * these, in a frame claiming a member origin, made the canonical form throw out of MeshEngine.handle (a
 * fail-stop of the node) — nesting thousands deep, a lone surrogate (`"\\ud800"`) in any string or key, and a
 * number JSON.parse turns into Infinity (`1e400`). Iterative, so any depth is safe to look at.
 */
function unsignableBy(root: object, surrogates: boolean): string | null {
  const pending: Array<[unknown, number]> = [[root, 1]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (depth > MAX_NESTING) return `nests deeper than ${MAX_NESTING} levels`;
    const isArray = Array.isArray(value);
    if (!isArray && surrogates) {
      for (const key of Object.keys(value as object)) {
        if (LONE_SURROGATE.test(key)) return 'has a lone surrogate in a key';
      }
    }
    for (const child of isArray ? (value as unknown[]) : Object.values(value as object)) {
      if (typeof child === 'string') {
        if (surrogates && LONE_SURROGATE.test(child)) return 'has a lone surrogate in a string';
      } else if (typeof child === 'number') {
        if (!Number.isFinite(child)) return 'has a number out of range';
      } else if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return null;
}
