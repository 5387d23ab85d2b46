// Admission rules for critical events (revocations, key rotations, alerts, blacklists): no votes, only checks.
// One function serves live gossip and entries imported from queries or sync, so the two paths cannot drift.
import type { ErrorCode } from '../errors.js';
import type { CriticalEvent, KeyRotation } from '../messages/schemas.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { parseTimestamp } from '../time.js';

export interface AdmissionContext {
  readonly registry: NodeRegistry;
  readonly now: number;
  readonly clockSkewMs: number;
  /** Live gossip (true) or an old entry arriving through a query or sync (false). */
  readonly live: boolean;
}

/**
 * Why a critical event may not take effect, before its signature is even checked (all of this is cheap):
 * - only members (the network file's nodes and their rotated successors) issue critical events: they bypass
 *   votes, so the network file is their root of trust;
 * - a rotated-away key issues nothing new; an old entry it signed before its rotation still stands, and so
 *   does an old entry by an origin blacklisted only later (the ledger-order rule sync relies on);
 * - live revocations and alerts must be fresh (their time is what they assert); rotations and blacklists are
 *   re-sent to peers that missed them, and the ledger key already stops replays.
 */
export function admissionProblem(event: CriticalEvent, context: AdmissionContext): ErrorCode | null {
  const { registry } = context;
  const at = parseTimestamp(event.timestamp);
  // Live, any blacklisting refuses; an old entry is judged by the table of its time, as live nodes judged it.
  if (registry.isBlacklisted(event.origin, context.live || at === null ? undefined : at))
    return 'TM_ERR_BLACKLISTED';
  if (at === null) return 'TM_ERR_TIMESTAMP_INVALID';
  const rotation = registry.rotationOf(event.origin);
  if (rotation !== undefined && (context.live || at >= rotation.at)) return 'TM_ERR_KEY_ROTATED';
  if (!registry.isMember(event.origin)) return 'TM_ERR_UNKNOWN_ORIGIN';
  const assertsTime = event.type === 'REVOCATION' || event.type === 'SECURITY_ALERT';
  if (context.live && assertsTime && Math.abs(at - context.now) > context.clockSkewMs)
    return 'TM_ERR_TIMESTAMP_SKEW';
  if (event.type === 'KEY_ROTATION') return rotationProblem(registry, event);
  return null;
}

/** A rotation may not move a key onto an identity that already exists (that would merge two stakes). */
export function rotationProblem(registry: NodeRegistry, rotation: KeyRotation): ErrorCode | null {
  if (rotation.newNodeId === rotation.origin) return 'TM_ERR_ROTATION_INVALID';
  if (registry.isGenesisNode(rotation.newNodeId) || registry.chainOf(rotation.newNodeId).length > 1) {
    return 'TM_ERR_ROTATION_INVALID';
  }
  return null;
}
