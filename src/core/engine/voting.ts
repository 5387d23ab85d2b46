// Consensus in the engine: proposing, judging and voting, routing votes back, tallying, committing, expiring.
// The pure rules live in core/consensus; this file moves messages between them and the outside world.
import { verifyCommit, voteInWindow } from '../consensus/commit.js';
import { contentProblem, isFresh, judgeUpdate } from '../consensus/judge.js';
import type { ProposalRecord } from '../consensus/proposals.js';
import { compactVote, compactVotes, voteIdOf, voteMismatch, voteWeight } from '../consensus/votes.js';
import { brokenRule } from '../critical/evidence.js';
import type { ErrorCode } from '../errors.js';
import { ledgerKey } from '../ledger.js';
import type { TrustEvent } from '../messages/fields.js';
import type { Commit, TrustUpdate, Vote } from '../messages/schemas.js';
import { accept, type Ignored, ignore, type Outcome } from '../outcome.js';
import { signMessage, type UnsignedMessage } from '../signing.js';
import { parseTimestamp } from '../time.js';
import { markVerified } from '../verified.js';
import { blacklist } from './critical.js';
import { spread } from './dissemination.js';
import {
  commitContext,
  type EngineState,
  envelope,
  markSeen,
  nowOf,
  proposalKey,
  seenKey,
  signOwn,
} from './state.js';
import { verifySigned } from './verify.js';

export interface ProposalInput {
  agentId: string;
  principalId: string;
  trustScore: number;
  event: TrustEvent;
  /** REINSTATEMENT only: revocations to lift; by default every revocation of the subject not yet lifted. */
  lifts?: string[];
}

export const votesHere = (state: EngineState): boolean =>
  state.options.votes && state.options.nodeType !== 'light';

// ---- Proposals from peers ----------------------------------------------------------------------------------

/**
 * A TRUST_UPDATE from a peer. Validators vote on every fresh proposal by a member. A stale one gets no vote at
 * all: a replay must not earn a second signed answer. Relayed: proposals this node accepts, and those whose
 * content every validator rejects alike (a bad score) — so that all of them vote and the proposer learns at
 * once, on a mesh of any size, that no majority will come, instead of waiting out its deadline.
 */
export function handleProposal(state: EngineState, from: string, update: TrustUpdate): Outcome<unknown> {
  const { registry } = state;
  const refused = proposalRefusal(state, update);
  if (refused !== null) return refused;
  const verified = verifySigned(state, update);
  if (verified.kind !== 'accept') return verified;
  if (!state.rates.proposals.take(update.origin, nowOf(state)))
    return ignore('TM_ERR_RATE_LIMITED', `${update.origin.slice(0, 12)} over its proposal budget`);
  const key = proposalKey(update.origin, update.id);
  if (state.routes.get(key, nowOf(state)) === undefined) state.routes.set(key, from, nowOf(state));
  const problem = judgeUpdate(update, registry);
  if (votesHere(state)) voteOrDefer(state, update, verified.value, problem, from);
  return problem === null || contentProblem(update) !== null ? accept(undefined) : ignore(problem);
}

// Shared, not made per message: a flood of these is refused without allocating an outcome each.
const BLACKLISTED = ignore('TM_ERR_BLACKLISTED');
const UNKNOWN_ORIGIN = ignore('TM_ERR_UNKNOWN_ORIGIN');
const STALE = ignore('TM_ERR_TIMESTAMP_SKEW');

/** Why a proposal is refused from its envelope alone, before its signature is looked at; null if it is not. */
export function proposalRefusal(state: EngineState, update: TrustUpdate): Ignored | null {
  const { registry, options } = state;
  if (registry.isBlacklisted(update.origin)) return BLACKLISTED;
  if (!registry.isMember(update.origin)) return UNKNOWN_ORIGIN;
  if (!isFresh(update, nowOf(state), options.network.params.clockSkewMs)) return STALE;
  return null;
}

/** Proposals remembered while catching up, at most. */
const MAX_DEFERRED_VOTES = 1_024;

/** A node catching up judges by a stake table and ledger that may be old: it votes once caught up instead. */
function voteOrDefer(
  state: EngineState,
  update: TrustUpdate,
  digest: string,
  problem: ErrorCode | null,
  cameFrom: string | null,
): void {
  if (!state.catchingUp) castVote(state, update, digest, problem, cameFrom);
  else if (state.deferredVotes.length < MAX_DEFERRED_VOTES)
    state.deferredVotes.push({ update, digest, from: cameFrom });
}

/** Caught up: votes on the proposals seen meanwhile that are still fresh, judged by today's ledger. */
export function castDeferredVotes(state: EngineState): void {
  const deferred = state.deferredVotes.splice(0);
  const now = nowOf(state);
  for (const { update, digest, from } of deferred) {
    if (!isFresh(update, now, state.options.network.params.clockSkewMs)) continue;
    castVote(state, update, digest, judgeUpdate(update, state.registry), from);
    if (update.origin === state.signer.nodeId && state.proposals.get(update.id) !== undefined)
      settleIfDecided(state, update.id);
  }
}

function castVote(
  state: EngineState,
  update: TrustUpdate,
  digest: string,
  problem: ErrorCode | null,
  cameFrom: string | null,
): void {
  const key = proposalKey(update.origin, update.id);
  const now = nowOf(state);
  let vote = state.ownVotes.get(key, now);
  if (vote === undefined) {
    vote = signMessage<Vote>(state.signer, state.networkId, {
      ...envelope(state, 'VOTE'),
      id: voteIdOf(digest),
      updateId: update.id,
      updateOrigin: update.origin,
      updateDigest: digest,
      decision: problem === null ? 'accept' : 'reject',
      ...(problem === null ? {} : { reason: problem }),
    } as UnsignedMessage<Vote>);
    state.ownVotes.set(key, vote, now);
    state.stats.votesCast++;
  }
  markSeen(state, vote);
  if (update.origin === state.signer.nodeId) {
    countVote(state, vote);
    return;
  }
  sendTowardProposer(state, vote, cameFrom, null);
}

/**
 * One hop toward the proposer: the proposer itself when it is a neighbour, else `route` (the neighbour the
 * proposal came from). With no such way (that link closed, or it points back at the sender) the vote goes to
 * every other neighbour, once each (the seen cache). The hop is remembered, so that a vote whose link closes
 * before the proposal settles is sent again another way (resendVotesVia, when the engine hears the link closed).
 */
export function sendTowardProposer(
  state: EngineState,
  vote: Vote,
  route: string | null,
  from: string | null,
): void {
  const { output } = state.modules;
  const target = output.isConnected(vote.updateOrigin) ? vote.updateOrigin : route;
  if (target !== null && target !== from && output.send(target, vote)) {
    state.voteHops.set(seenKey(vote), { via: target, vote }, nowOf(state));
    return;
  }
  output.broadcast(vote, from === null ? undefined : new Set([from]));
}

/** A link closed: the votes last sent over it go again by another way. */
export function resendVotesVia(state: EngineState, peerId: string): void {
  const now = nowOf(state);
  const lost = [...state.voteHops.entries(now)].filter(([, hop]) => hop.via === peerId);
  for (const [key, { vote }] of lost) {
    state.voteHops.delete(key);
    sendTowardProposer(
      state,
      vote,
      state.routes.get(proposalKey(vote.updateOrigin, vote.updateId), now) ?? null,
      peerId,
    );
  }
}

// ---- Votes -------------------------------------------------------------------------------------------------

/**
 * A VOTE: counted here if this node proposed the update, else passed one hop back toward its proposer — to the
 * proposer itself when it is a neighbour, else to the neighbour the proposal came from. With that link gone (or
 * the route pointing back at the sender) it goes to every other neighbour, once (seen cache). A vote for a
 * proposal this node never relayed is dropped: flooding those would let anyone with a key make the whole mesh
 * carry votes for proposals that do not exist.
 */
export function handleVote(state: EngineState, from: string, vote: Vote): Outcome<unknown> {
  if (state.registry.isBlacklisted(vote.origin)) return ignore('TM_ERR_BLACKLISTED');
  const verified = verifySigned(state, vote);
  if (verified.kind !== 'accept') return verified;
  if (vote.updateOrigin === state.signer.nodeId) return countVote(state, vote);
  const route = state.routes.get(proposalKey(vote.updateOrigin, vote.updateId), nowOf(state));
  if (route === undefined && !state.modules.output.isConnected(vote.updateOrigin))
    return ignore('TM_ERR_NO_ROUTE');
  sendTowardProposer(state, vote, route ?? null, from);
  state.stats.forwarded++;
  return accept(undefined);
}

function countVote(state: EngineState, vote: Vote): Outcome<unknown> {
  const { registry, proposals } = state;
  const pending = proposals.get(vote.updateId);
  if (pending === undefined) return ignore('TM_ERR_DUPLICATE', 'proposal already settled');
  const { update } = pending.record;
  // The relay cannot tell these apart from honest votes, so they are not its fault: ignore, not reject.
  if (voteMismatch(vote, update, pending.digest) !== null) return ignore('TM_ERR_VOTE_MISMATCH');
  // An accept the COMMIT could not carry (its expansion would not be the bytes signed) is not counted either, so
  // that a commit always holds every vote its quorum was counted from.
  if (vote.decision === 'accept' && compactVote(vote, update) === null)
    return ignore('TM_ERR_VOTE_MISMATCH', 'not carried in compact form');
  if (!voteInWindow(vote, update, commitContext(state))) return ignore('TM_ERR_VOTE_STALE');
  // Weighed by the table in force at the update's time, exactly as every verifier of the commit will.
  const at = parseTimestamp(update.timestamp) ?? undefined;
  const weight = voteWeight(registry, vote, at);
  if (weight.weight === 0) return ignore('TM_ERR_NOT_VALIDATOR');
  const result = proposals.addVote(vote, weight, registry.totalActiveStake(at))!;
  if (result.added.kind === 'conflict') {
    blacklist(state, vote.origin, 'EQUIVOCATION', [result.added.previous, vote]);
    return ignore('TM_ERR_VOTE_DUPLICATE', 'conflicting vote');
  }
  if (result.added.kind === 'duplicate') return ignore('TM_ERR_VOTE_DUPLICATE');
  settleIfDecided(state, vote.updateId);
  return accept(undefined);
}

function settleIfDecided(state: EngineState, id: string): void {
  const { update } = state.proposals.get(id)!.record;
  const total = state.registry.totalActiveStake(parseTimestamp(update.timestamp) ?? undefined);
  const status = state.proposals.status(id, total);
  if (status === 'quorum') commitProposal(state, id);
  else if (status === 'defeated') {
    const code = total === 0 ? 'TM_ERR_NO_VALIDATORS' : 'TM_ERR_PROPOSAL_REJECTED';
    settle(state, state.proposals.settleRejected(id, code, nowOf(state)));
  }
}

function commitProposal(state: EngineState, id: string): void {
  const { update } = state.proposals.get(id)!.record;
  const commit = markVerified(
    signOwn<Commit>(state, {
      type: 'COMMIT',
      update,
      votes: compactVotes(state.proposals.acceptingVotes(id), update),
    }),
  );
  state.modules.ledger.append(commit);
  state.stats.commitsApplied++;
  settle(state, state.proposals.settleCommitted(id, commit, nowOf(state)));
  spread(state, commit, null);
  state.modules.events?.committed?.(commit, true);
}

function settle(state: EngineState, record: ProposalRecord | undefined): void {
  if (record === undefined) return;
  state.modules.proposals.saveProposal(record);
  state.modules.events?.proposalSettled?.(record);
}

/** Settles proposals made here whose deadline passed. */
export function expireProposals(state: EngineState): void {
  const now = nowOf(state);
  for (const id of state.proposals.expired(now)) {
    settle(state, state.proposals.settleRejected(id, 'TM_ERR_PROPOSAL_EXPIRED', now));
  }
}

// ---- Commits -----------------------------------------------------------------------------------------------

/**
 * A COMMIT from live gossip: fresh, by a proposer that still holds its key, verified on its own. A second,
 * different commit of an update already stored proves its origin equivocated. One stored already but never seen
 * live here (sync fetched it first, or it was stored before a restart) is verified like any first copy and goes
 * on over the tree: refused as a duplicate, it would prune the link it came by and leave the nodes below this
 * one in its origin's tree without it.
 */
export function handleCommit(state: EngineState, commit: Commit): Outcome<unknown> {
  const { ledger } = state.modules;
  const stored = ledger.get(ledgerKey(commit));
  const storedAlready = stored?.type === 'COMMIT' && stored.signature === commit.signature;
  const { clockSkewMs, proposalTimeoutMs } = state.options.network.params;
  const proposedAt = parseTimestamp(commit.update.timestamp) ?? 0;
  if (Math.abs(nowOf(state) - proposedAt) > 2 * clockSkewMs + proposalTimeoutMs)
    return ignore('TM_ERR_TIMESTAMP_SKEW');
  if (state.registry.rotationOf(commit.origin)) return ignore('TM_ERR_KEY_ROTATED');
  const context = commitContext(state);
  const outcome = verifyCommit(commit, context);
  if (outcome.kind === 'reject') {
    if (brokenRule(context, commit) !== null) blacklist(state, commit.origin, 'INVALID_MESSAGE', [commit]);
    return outcome;
  }
  if (outcome.kind === 'ignore') return outcome;
  if (storedAlready) return accept(undefined);
  if (stored?.type === 'COMMIT') blacklist(state, commit.origin, 'EQUIVOCATION', [stored, commit]);
  if (!ledger.append(outcome.value)) return ignore('TM_ERR_DUPLICATE', 'already in the ledger');
  state.stats.commitsApplied++;
  state.modules.events?.committed?.(outcome.value, false);
  return accept(undefined);
}

/**
 * An old COMMIT arriving outside live gossip (a light node's query answer, a synced block): no freshness, and
 * judged like a live one by the stake table in force at its update's time (verifyCommit), so it verifies
 * after later rotations and blacklistings, and a quorum that only holds under a later table does not.
 */
export function importCommit(state: EngineState, commit: Commit): Outcome<void> {
  const outcome = verifyCommit(commit, commitContext(state));
  if (outcome.kind !== 'accept') return outcome;
  if (state.modules.ledger.append(outcome.value)) state.modules.events?.committed?.(outcome.value, false);
  return accept(undefined);
}

// ---- Proposals made here -----------------------------------------------------------------------------------

/**
 * Proposes a trust update: signs it, votes on it if this node is a validator, and gossips it. Range checks
 * are the validators' job (so they can be tested end to end); the HTTP API checks input before calling.
 */
export function propose(
  state: EngineState,
  input: ProposalInput,
  overrides: { timestamp?: string } = {},
): ProposalRecord {
  const now = nowOf(state);
  const { ledger } = state.modules;
  const lifts =
    input.event === 'REINSTATEMENT'
      ? (input.lifts ?? ledger.openRevocations(input.agentId, input.principalId))
      : input.lifts;
  const update = signMessage<TrustUpdate>(state.signer, state.networkId, {
    ...envelope(state, 'TRUST_UPDATE'),
    ...(overrides.timestamp === undefined ? {} : { timestamp: overrides.timestamp }),
    payload: {
      agentId: input.agentId,
      principalId: input.principalId,
      trustScore: input.trustScore,
      event: input.event,
      ...(lifts === undefined || lifts.length === 0 ? {} : { lifts }),
    },
  } as UnsignedMessage<TrustUpdate>);
  const digest = state.verifier.verify(update);
  if (digest.kind !== 'accept') throw new Error('own signature does not verify');
  const { params } = state.options.network;
  const record = state.proposals.open(
    update,
    digest.value,
    now,
    params.proposalTimeoutMs,
    state.registry.totalActiveStake(),
  );
  state.modules.proposals.saveProposal(record);
  markSeen(state, update);
  spread(state, update, null);
  if (votesHere(state)) {
    const problem = isFresh(update, now, params.clockSkewMs)
      ? judgeUpdate(update, state.registry)
      : 'TM_ERR_TIMESTAMP_SKEW';
    voteOrDefer(state, update, digest.value, problem, null);
  }
  // Decided already when this node's vote alone settles it, or when nothing could (a network without stake).
  if (state.proposals.get(update.id) !== undefined) settleIfDecided(state, update.id);
  return state.proposals.get(update.id)?.record ?? state.modules.proposals.loadProposal(update.id) ?? record;
}
