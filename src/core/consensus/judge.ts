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

/** Deterministic rules on an update's content: score, and `lifts` only on a REINSTATEMENT. */
export function contentProblem(update: TrustUpdate): ErrorCode | null {
  const { payload } = update;
  if (payload.lifts !== undefined && payload.event !== 'REINSTATEMENT') return 'TM_ERR_LIFTS_INVALID';
  return scoreProblem(payload.trustScore);
}

/** Whether the update is fresh enough to vote on at all; a stale replay gets no vote (and no evidence to abuse). */
export function isFresh(update: TrustUpdate, now: number, clockSkewMs: number): boolean {
  const at = parseTimestamp(update.timestamp);
  return at !== null && Math.abs(at - now) <= clockSkewMs;
}

/** Null when the validator accepts a fresh update, otherwise why it votes to reject. */
export function judgeUpdate(update: TrustUpdate, registry: NodeRegistry): ErrorCode | null {
  if (registry.isBlacklisted(update.origin)) return 'TM_ERR_BLACKLISTED';
  if (registry.rotationOf(update.origin)) return 'TM_ERR_KEY_ROTATED';
  if (!registry.isMember(update.origin)) return 'TM_ERR_UNKNOWN_ORIGIN';
  return contentProblem(update);
}
