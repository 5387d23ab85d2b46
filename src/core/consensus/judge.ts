// The semantic checks a validator applies to a schema-valid, correctly signed TRUST_UPDATE before voting.
// Each failure has a reason code that travels back to the origin in a signed `reject` vote.
import type { ErrorCode } from '../errors.js';
import type { TrustUpdate } from '../messages/schemas.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { parseTimestamp } from '../time.js';

export const MIN_TRUST_SCORE = 0;
export const MAX_TRUST_SCORE = 1000;

/** Checks that need no clock: the same answer on every node (used for commits and evidence too). */
export function scoreProblem(score: number): ErrorCode | null {
  if (!Number.isInteger(score)) return 'TM_ERR_SCORE_NOT_INTEGER';
  if (score < MIN_TRUST_SCORE || score > MAX_TRUST_SCORE) return 'TM_ERR_SCORE_OUT_OF_RANGE';
  return null;
}

/** Null when the validator accepts the update, otherwise why it votes to reject. */
export function judgeUpdate(
  update: TrustUpdate,
  now: number,
  clockSkewMs: number,
  registry: NodeRegistry,
): ErrorCode | null {
  if (registry.isBlacklisted(update.origin)) return 'TM_ERR_BLACKLISTED';
  if (registry.rotationOf(update.origin)) return 'TM_ERR_KEY_ROTATED';
  const at = parseTimestamp(update.timestamp);
  if (at === null) return 'TM_ERR_TIMESTAMP_INVALID';
  if (Math.abs(at - now) > clockSkewMs) return 'TM_ERR_TIMESTAMP_SKEW';
  return scoreProblem(update.payload.trustScore);
}
