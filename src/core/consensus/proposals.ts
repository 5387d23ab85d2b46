// The origin's side of consensus: proposals it made, their tallies, deadlines, and how each one settled.
// Pure bookkeeping: the engine feeds it votes and the time; it says when to commit and when to give up.
import type { ErrorCode } from '../errors.js';
import type { Commit, TrustUpdate, Vote } from '../messages/schemas.js';
import { type AddVoteResult, type TallyStatus, VoteTally, type VoteWeight } from './votes.js';

export type ProposalState = 'pending' | 'committed' | 'rejected';

/** What a node remembers, and reports through the API, about an update it proposed. */
export interface ProposalRecord {
  id: string;
  state: ProposalState;
  update: TrustUpdate;
  createdAt: number;
  deadline: number;
  settledAt?: number;
  acceptWeight: number;
  rejectWeight: number;
  totalStake: number;
  votes: number;
  /** Reject reason codes with how many validators gave each. */
  reasons: Record<string, number>;
  rejection?: Extract<
    ErrorCode,
    'TM_ERR_PROPOSAL_EXPIRED' | 'TM_ERR_PROPOSAL_REJECTED' | 'TM_ERR_NO_VALIDATORS'
  >;
  commit?: Commit;
}

/** Where proposals are kept across restarts (the store); the engine writes every state change through it. */
export interface ProposalLog {
  saveProposal(record: ProposalRecord): void;
  loadProposal(id: string): ProposalRecord | null;
}

interface Pending {
  record: ProposalRecord;
  digest: string;
  tally: VoteTally;
}

export class ProposalBook {
  private readonly pending = new Map<string, Pending>();

  open(
    update: TrustUpdate,
    digest: string,
    now: number,
    timeoutMs: number,
    totalStake: number,
  ): ProposalRecord {
    const record: ProposalRecord = {
      id: update.id,
      state: 'pending',
      update,
      createdAt: now,
      deadline: now + timeoutMs,
      acceptWeight: 0,
      rejectWeight: 0,
      totalStake,
      votes: 0,
      reasons: {},
    };
    this.pending.set(update.id, { record, digest, tally: new VoteTally() });
    return record;
  }

  get(id: string): { record: ProposalRecord; digest: string } | undefined {
    return this.pending.get(id);
  }

  addVote(
    vote: Vote,
    weight: VoteWeight,
    totalStake: number,
  ): { added: AddVoteResult; status: TallyStatus } | null {
    const entry = this.pending.get(vote.updateId);
    if (entry === undefined) return null;
    const added = entry.tally.add(vote, weight);
    const { record, tally } = entry;
    // A vote not counted (a repeat, a conflict) leaves the record as it was: refused input changes nothing.
    if (added.kind !== 'counted') return { added, status: tally.status(record.totalStake) };
    record.acceptWeight = tally.acceptWeight;
    record.rejectWeight = tally.rejectWeight;
    record.totalStake = totalStake;
    record.votes = tally.voteCount;
    record.reasons = tally.reasons();
    return { added, status: tally.status(totalStake) };
  }

  status(id: string, totalStake: number): TallyStatus | null {
    return this.pending.get(id)?.tally.status(totalStake) ?? null;
  }

  acceptingVotes(id: string): Vote[] {
    return this.pending.get(id)?.tally.acceptingVotes() ?? [];
  }

  settleCommitted(id: string, commit: Commit, now: number): ProposalRecord | undefined {
    const entry = this.pending.get(id);
    if (entry === undefined) return undefined;
    this.pending.delete(id);
    return Object.assign(entry.record, { state: 'committed' as const, commit, settledAt: now });
  }

  settleRejected(
    id: string,
    rejection: NonNullable<ProposalRecord['rejection']>,
    now: number,
  ): ProposalRecord | undefined {
    const entry = this.pending.get(id);
    if (entry === undefined) return undefined;
    this.pending.delete(id);
    return Object.assign(entry.record, { state: 'rejected' as const, rejection, settledAt: now });
  }

  /** Proposals whose deadline has passed, oldest first. */
  expired(now: number): string[] {
    const ids: string[] = [];
    for (const [id, { record }] of this.pending) if (record.deadline <= now) ids.push(id);
    return ids;
  }

  get size(): number {
    return this.pending.size;
  }
}
