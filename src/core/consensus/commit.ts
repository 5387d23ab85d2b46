// Verifies a COMMIT on its own: origin signatures, every vote's signature and binding, and the stake behind it.
// Any node can check a commit this way, whoever served it, which makes a committed record self-verifying.
import type { Crypto } from '../crypto.js';
import type { Commit, TrustUpdate } from '../messages/schemas.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { accept, ignore, type Outcome, reject } from '../outcome.js';
import { parseTimestamp } from '../time.js';
import { markVerified, type Verified } from '../verified.js';
import type { MessageVerifier } from '../verifier.js';
import { contentProblem } from './judge.js';
import { type CompactVoter, expandVote, isQuorum, voterOf, voteWeight } from './votes.js';

export interface CommitContext {
  readonly crypto: Crypto;
  readonly networkId: string;
  readonly verifier: MessageVerifier;
  readonly registry: NodeRegistry;
  /** clockSkewMs and proposalTimeoutMs of the network: they bound when a vote on an update can be dated. */
  readonly clockSkewMs: number;
  readonly proposalTimeoutMs: number;
}

/**
 * A vote is dated by its validator when the proposal reached it: no earlier than the update (less clock skew)
 * and no later than its deadline (plus skew). Outside that, a retired or stolen key is back- or forward-dating.
 */
export function voteInWindow(
  vote: { readonly timestamp: string },
  update: TrustUpdate,
  context: Pick<CommitContext, 'clockSkewMs' | 'proposalTimeoutMs'>,
): boolean {
  const voted = parseTimestamp(vote.timestamp);
  const proposed = parseTimestamp(update.timestamp);
  if (voted === null || proposed === null) return false;
  return (
    voted >= proposed - context.clockSkewMs &&
    voted <= proposed + context.clockSkewMs + context.proposalTimeoutMs
  );
}

/**
 * Judged by the stake table in force at the update's time (rotations and blacklistings dated up to then), so
 * a synced old commit verifies as it did live, and one whose quorum only holds under a later table does not.
 * reject: something in the commit is provably wrong (a bad signature — which is also what a vote for another
 * update gives, its fields being implied by this one — a vote dated outside its window, votes out of order or
 * a duplicate voter) — an honest relay never forwards it. ignore: this node's ledger does not give the votes a
 * majority (its view of stake may lag), so the commit is not applied here.
 * Everything cheap runs before any signature: a commit padded with weightless votes costs no Ed25519 work.
 */
export function verifyCommit(commit: Commit, context: CommitContext): Outcome<Verified<Commit>> {
  const { update } = commit;
  if (commit.origin !== update.origin)
    return reject('TM_ERR_SCHEMA_INVALID', 'commit origin is not the update origin');
  if (!context.registry.isMember(update.origin)) return ignore('TM_ERR_UNKNOWN_ORIGIN');
  const at = parseTimestamp(update.timestamp);
  if (at === null) return reject('TM_ERR_TIMESTAMP_INVALID', 'update timestamp');
  // A proposer key retired before the update was dated signs nothing valid (whether this node knows of the
  // rotation yet is its own view, hence ignore).
  if (!context.registry.keyInForce(update.origin, at)) return ignore('TM_ERR_KEY_ROTATED');
  const weighted = weightedVotes(commit, at, context);
  if (weighted.kind !== 'accept') return weighted;
  const total = context.registry.totalActiveStake(at);
  if (!isQuorum(weighted.value.acceptWeight, total))
    return ignore('TM_ERR_QUORUM_NOT_REACHED', `${weighted.value.acceptWeight} of ${total}`);

  const envelope = context.verifier.verify(commit);
  if (envelope.kind !== 'accept') return envelope;
  const proposal = context.verifier.verify(update);
  if (proposal.kind !== 'accept') return proposal;
  const contentCode = contentProblem(update);
  if (contentCode !== null) return reject(contentCode);
  const digest = proposal.value;
  for (const { index, voter, key } of weighted.value.votes) {
    const vote = expandVote(commit, index, voter, digest, key);
    const signature = context.verifier.verify(vote);
    if (signature.kind !== 'accept') return reject(signature.code, `vote by ${vote.origin.slice(0, 12)}`);
  }
  return accept(markVerified(commit));
}

export interface WeightedVotes {
  readonly acceptWeight: number;
  /** The votes that carry weight, by index in `commit.votes`, with the voter's key from the registry. */
  readonly votes: ReadonlyArray<{
    readonly index: number;
    readonly voter: CompactVoter;
    readonly key: string;
  }>;
}

/**
 * The cheap part of a commit's check, no signature touched: votes strictly sorted by voter id, each dated in
 * its window and from an identity not seen before in the commit; then the stake of those with weight. A voter
 * whose key the registry does not know has none (a staked identity's keys are all known: the network file
 * names them, rotations carry the new ones), nor one dated outside its key's time in force.
 */
export function weightedVotes(commit: Commit, at: number, context: CommitContext): Outcome<WeightedVotes> {
  const identities = new Set<string>();
  const votes: Array<{ index: number; voter: CompactVoter; key: string }> = [];
  let acceptWeight = 0;
  let previous = '';
  for (const [index, compact] of commit.votes.entries()) {
    const vote = voterOf(compact, at);
    if (vote === null)
      return reject('TM_ERR_SCHEMA_INVALID', `vote ${index}: voter id not canonical base64url, or no time`);
    const voter = vote.origin.slice(0, 12);
    if (vote.origin === previous) return reject('TM_ERR_VOTE_DUPLICATE', voter);
    if (vote.origin < previous) return reject('TM_ERR_VOTE_ORDER', voter);
    previous = vote.origin;
    if (!voteInWindow(vote, commit.update, context)) return reject('TM_ERR_VOTE_STALE', voter);
    const weight = voteWeight(context.registry, vote, at);
    if (identities.has(weight.identity)) return reject('TM_ERR_VOTE_DUPLICATE', voter);
    identities.add(weight.identity);
    const key = context.registry.publicKeyOf(vote.origin);
    if (weight.weight === 0 || key === undefined) continue;
    acceptWeight += weight.weight;
    votes.push({ index, voter: vote, key });
  }
  return accept({ acceptWeight, votes });
}
