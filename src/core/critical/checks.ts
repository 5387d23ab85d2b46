// Admission rules for critical events (revocations, key rotations, alerts, blacklists): no votes, only checks.
// A critical event is applied as soon as its origin's signature holds and the origin is known and in good standing.
import type { ErrorCode } from '../errors.js';
import type { CriticalEvent, KeyRotation } from '../messages/schemas.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { parseTimestamp } from '../time.js';

/**
 * Why the origin of a critical event may not issue it (cheap: checked before the signature). Only members of
 * the network (the network file's nodes and their rotated successors) issue critical events: they take
 * effect without votes, so the network file is their root of trust.
 */
export function originProblem(registry: NodeRegistry, origin: string): ErrorCode | null {
  if (registry.isBlacklisted(origin)) return 'TM_ERR_BLACKLISTED';
  if (registry.rotationOf(origin)) return 'TM_ERR_KEY_ROTATED';
  if (!registry.isMember(origin)) return 'TM_ERR_UNKNOWN_ORIGIN';
  return null;
}

/** Live critical events must be fresh; old ones reach a node through sync, which skips this check. */
export function freshnessProblem(event: CriticalEvent, now: number, clockSkewMs: number): ErrorCode | null {
  const at = parseTimestamp(event.timestamp);
  if (at === null) return 'TM_ERR_TIMESTAMP_INVALID';
  return Math.abs(at - now) > clockSkewMs ? 'TM_ERR_TIMESTAMP_SKEW' : null;
}

/** A rotation may not move a key onto an identity that already exists (that would merge two stakes). */
export function rotationProblem(registry: NodeRegistry, rotation: KeyRotation): ErrorCode | null {
  if (rotation.newNodeId === rotation.origin) return 'TM_ERR_ROTATION_INVALID';
  if (registry.isGenesisNode(rotation.newNodeId) || registry.chainOf(rotation.newNodeId).length > 1) {
    return 'TM_ERR_ROTATION_INVALID';
  }
  return null;
}
