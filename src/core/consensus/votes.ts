// Votes: which update a vote binds to, how much stake it carries, and the running tally at the proposal's origin.
// Weight comes from the registry (genesis stake moved along key rotations), so every node weighs a vote alike.

import { base64urlToHex, hexToBase64url } from '../encoding.js';
import type { ErrorCode } from '../errors.js';
import type { Commit, CompactVote, TrustUpdate, Vote } from '../messages/schemas.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { isoTimestamp, parseTimestamp } from '../time.js';

/** The id of every VOTE on the update with this digest: one vote per voter and update, so it need not travel. */
export const voteIdOf = (updateDigest: string): string => `v-${updateDigest.slice(0, 32)}`;

/** Null when the vote names exactly this update (id, origin and signed-bytes digest) under its fixed id. */
export function voteMismatch(vote: Vote, update: TrustUpdate, updateDigest: string): ErrorCode | null {
  if (
    vote.updateId !== update.id ||
    vote.updateOrigin !== update.origin ||
    vote.updateDigest !== updateDigest ||
    vote.id !== voteIdOf(updateDigest)
  ) {
    return 'TM_ERR_VOTE_MISMATCH';
  }
  return null;
}

/** Who cast a compact vote and when, or null when its fields cannot be read (a non-canonical voter id). */
export interface CompactVoter {
  readonly origin: string;
  readonly timestamp: string;
}

/** `proposedAt`: the update's timestamp in milliseconds, which `t` is an offset from. */
export function voterOf(compact: CompactVote, proposedAt: number): CompactVoter | null {
  const origin = base64urlToHex(compact.o, 32);
  if (origin === null) return null;
  const votedAt = proposedAt + compact.t;
  if (!Number.isFinite(new Date(votedAt).getTime())) return null;
  return { origin, timestamp: isoTimestamp(votedAt) };
}

/**
 * What a COMMIT keeps of an accepting vote: the rest is implied by the update and the registry. Null for a vote
 * that cannot be carried so (another id, or a time not in canonical form: the expansion would not be what was
 * signed).
 */
export function compactVote(vote: Vote, update: TrustUpdate): CompactVote | null {
  const voted = parseTimestamp(vote.timestamp);
  const proposed = parseTimestamp(update.timestamp);
  if (voted === null || proposed === null || isoTimestamp(voted) !== vote.timestamp) return null;
  if (vote.id !== voteIdOf(vote.updateDigest)) return null;
  return { o: hexToBase64url(vote.origin), t: voted - proposed, s: vote.signature };
}

/** A commit's votes: compact, sorted by voter id (one per voter, so the order is strict). */
export function compactVotes(votes: readonly Vote[], update: TrustUpdate): CompactVote[] {
  return [...votes]
    .sort((a, b) => (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0))
    .map((vote) => compactVote(vote, update))
    .filter((vote): vote is CompactVote => vote !== null);
}

/**
 * Expansions made so far, per commit object and vote index. The verifier remembers the digest of a message it
 * prepared by object, so the signature prepass and verifyCommit must be handed the very same VOTE objects;
 * keyed weakly, they live as long as the commit does.
 */
const expansions = new WeakMap<Commit, Array<Vote | undefined>>();

/**
 * The VOTE that the validator of `commit.votes[index]` signed (`voter`, read by voterOf): an accept for exactly
 * this update, under the voter's key (`originKey`, from the registry: an id has only the key whose SHA-256 it
 * is). The same object is returned again for the same commit, index, digest and key; any other input builds a
 * new one.
 */
export function expandVote(
  commit: Commit,
  index: number,
  voter: CompactVoter,
  updateDigest: string,
  originKey: string,
): Vote {
  const compact = commit.votes[index]!;
  let held = expansions.get(commit);
  const cached = held?.[index];
  if (cached !== undefined && cached.updateDigest === updateDigest && cached.originKey === originKey) {
    return cached;
  }
  const { update } = commit;
  const vote: Vote = {
    type: 'VOTE',
    version: commit.version,
    id: voteIdOf(updateDigest),
    timestamp: voter.timestamp,
    origin: voter.origin,
    originKey,
    updateId: update.id,
    updateOrigin: update.origin,
    updateDigest,
    decision: 'accept',
    signature: compact.s,
  };
  if (held === undefined) {
    held = [];
    expansions.set(commit, held);
  }
  held[index] = vote;
  return vote;
}

export interface VoteWeight {
  /** The voter's current id: two votes of one identity (before and after a key rotation) count once. */
  readonly identity: string;
  readonly weight: number;
}

/**
 * The weight of a vote by the stake table in force at `at` (the update's time; now when absent). Its key must
 * have been in force when the vote was dated: a vote by a key later rotated away counts if it predates the
 * rotation (the grace rule in docs/PROTOCOL.md), one by a successor key only from its rotation on. A
 * blacklisting dated at or before `at` takes the identity's weight away.
 */
export function voteWeight(
  registry: NodeRegistry,
  vote: Pick<Vote, 'origin' | 'timestamp'>,
  at?: number,
): VoteWeight {
  const identity = registry.currentId(vote.origin);
  const votedAt = parseTimestamp(vote.timestamp);
  if (votedAt === null || !registry.keyInForce(vote.origin, votedAt)) return { identity, weight: 0 };
  return { identity, weight: registry.stakeOf(vote.origin, at) };
}

/** More than half of the active stake; exactly half is not enough. */
export function isQuorum(acceptWeight: number, totalStake: number): boolean {
  return totalStake > 0 && acceptWeight * 2 > totalStake;
}

export type TallyStatus = 'pending' | 'quorum' | 'defeated';
export type AddVoteResult =
  | { readonly kind: 'counted' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'conflict'; readonly previous: Vote };

/** The origin's count of votes for one proposal, at most one per identity. */
export class VoteTally {
  private readonly votes = new Map<string, { vote: Vote; weight: number }>();
  acceptWeight = 0;
  rejectWeight = 0;

  add(vote: Vote, { identity, weight }: VoteWeight): AddVoteResult {
    const held = this.votes.get(identity);
    if (held !== undefined) {
      if (held.vote.decision === vote.decision && held.vote.updateDigest === vote.updateDigest) {
        return { kind: 'duplicate' };
      }
      return { kind: 'conflict', previous: held.vote };
    }
    this.votes.set(identity, { vote, weight });
    if (vote.decision === 'accept') this.acceptWeight += weight;
    else this.rejectWeight += weight;
    return { kind: 'counted' };
  }

  /** `defeated` once accepting stake can no longer exceed half, whatever the missing votes say. */
  status(totalStake: number): TallyStatus {
    if (isQuorum(this.acceptWeight, totalStake)) return 'quorum';
    if (totalStake === 0 || this.rejectWeight * 2 >= totalStake) return 'defeated';
    return 'pending';
  }

  acceptingVotes(): Vote[] {
    return [...this.votes.values()]
      .filter(({ vote, weight }) => vote.decision === 'accept' && weight > 0)
      .map(({ vote }) => vote);
  }

  /** Reject reasons with how many votes gave each. */
  reasons(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { vote } of this.votes.values()) {
      if (vote.decision === 'reject')
        counts[vote.reason ?? 'unspecified'] = (counts[vote.reason ?? 'unspecified'] ?? 0) + 1;
    }
    return counts;
  }

  get voteCount(): number {
    return this.votes.size;
  }
}
