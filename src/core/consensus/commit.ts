// Verifies a COMMIT on its own: origin signatures, every vote's signature and binding, and the stake behind it.
// Any node can check a commit this way, whoever served it, which makes a committed record self-verifying.
import type { Crypto } from '../crypto.js';
import type { Commit } from '../messages/schemas.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { accept, ignore, type Outcome, reject } from '../outcome.js';
import { markVerified, type Verified } from '../verified.js';
import type { MessageVerifier } from '../verifier.js';
import { scoreProblem } from './judge.js';
import { isQuorum, voteMismatch, voteWeight } from './votes.js';

export interface CommitContext {
  readonly crypto: Crypto;
  readonly networkId: string;
  readonly verifier: MessageVerifier;
  readonly registry: NodeRegistry;
}

/**
 * reject: something in the commit is provably wrong (a bad signature, a vote for another update, a duplicate
 * voter) — an honest relay never forwards it. ignore: every signature holds but this node's ledger does not
 * give the votes a majority (its view of stake may lag), so the commit is not applied here.
 */
export function verifyCommit(commit: Commit, context: CommitContext): Outcome<Verified<Commit>> {
  const { update } = commit;
  if (commit.origin !== update.origin)
    return reject('TM_ERR_SCHEMA_INVALID', 'commit origin is not the update origin');
  const envelope = context.verifier.verify(commit);
  if (envelope.kind !== 'accept') return envelope;
  const proposal = context.verifier.verify(update);
  if (proposal.kind !== 'accept') return proposal;
  const scoreCode = scoreProblem(update.payload.trustScore);
  if (scoreCode !== null) return reject(scoreCode);

  const digest = proposal.value;
  const identities = new Set<string>();
  let acceptWeight = 0;
  for (const vote of commit.votes) {
    if (vote.decision !== 'accept') return reject('TM_ERR_VOTE_NOT_ACCEPT', vote.origin.slice(0, 12));
    const mismatch = voteMismatch(vote, update, digest);
    if (mismatch !== null) return reject(mismatch, vote.origin.slice(0, 12));
    const signature = context.verifier.verify(vote);
    if (signature.kind !== 'accept') return reject(signature.code, `vote by ${vote.origin.slice(0, 12)}`);
    const weight = voteWeight(context.registry, vote);
    if (identities.has(weight.identity)) return reject('TM_ERR_VOTE_DUPLICATE', vote.origin.slice(0, 12));
    identities.add(weight.identity);
    acceptWeight += weight.weight;
  }
  const total = context.registry.totalActiveStake();
  if (!isQuorum(acceptWeight, total))
    return ignore('TM_ERR_QUORUM_NOT_REACHED', `${acceptWeight} of ${total}`);
  return accept(markVerified(commit));
}
