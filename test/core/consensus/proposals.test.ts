// ProposalBook on its own: opening, counting votes into the record, settling once, and expiry by deadline.
// Pure bookkeeping, so time is a plain number the test passes in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProposalBook } from '../../../src/core/consensus/proposals.js';
import type { Commit, Vote } from '../../../src/core/messages/schemas.js';
import { EntryMaker } from '../../support/entries.js';
import { testNetwork } from '../../support/fixtures.js';

const subject = { agentId: 'agent-a', principalId: 'principal-1' };
const TIMEOUT = 10_000;

function setUp() {
  const make = new EntryMaker({ network: testNetwork([10, 10, 10, 10]) });
  const book = new ProposalBook();
  const weight = (index: number, stake = 10) => ({ identity: make.signer(index).nodeId, weight: stake });
  return { make, book, weight };
}

describe('ProposalBook', () => {
  it('opens a pending record with its deadline and the digest votes must name', () => {
    const { make, book } = setUp();
    const update = make.update(subject);
    const record = book.open(update, 'digest-1', 1_000, TIMEOUT, 40);
    assert.deepEqual(record, {
      id: update.id,
      state: 'pending',
      update,
      createdAt: 1_000,
      deadline: 1_000 + TIMEOUT,
      acceptWeight: 0,
      rejectWeight: 0,
      totalStake: 40,
      votes: 0,
      reasons: {},
    });
    assert.equal(book.get(update.id)?.record, record);
    assert.equal(book.get(update.id)?.digest, 'digest-1');
    assert.equal(book.size, 1);
    assert.equal(book.status(update.id, 40), 'pending');
    assert.equal(book.get('unknown'), undefined);
    assert.equal(book.status('unknown', 40), null);
    assert.deepEqual(book.acceptingVotes('unknown'), []);
  });

  it('folds each vote into the record and says when the tally is decided', () => {
    const { make, book, weight } = setUp();
    const update = make.update(subject);
    const record = book.open(update, 'digest', 0, TIMEOUT, 40);
    const vote = (index: number) => make.vote(update, make.signer(index));
    assert.deepEqual(book.addVote(vote(0), weight(0), 40), { added: { kind: 'counted' }, status: 'pending' });
    const rejecting: Vote = { ...vote(1), decision: 'reject', reason: 'TM_ERR_SCORE_OUT_OF_RANGE' };
    book.addVote(rejecting, weight(1), 40);
    assert.deepEqual(book.addVote(vote(2), weight(2), 30), { added: { kind: 'counted' }, status: 'quorum' });
    assert.equal(record.acceptWeight, 20);
    assert.equal(record.rejectWeight, 10);
    assert.equal(record.totalStake, 30, 'the stake as of the latest vote');
    assert.equal(record.votes, 3);
    assert.deepEqual(record.reasons, { TM_ERR_SCORE_OUT_OF_RANGE: 1 });
    assert.equal(book.acceptingVotes(update.id).length, 2);
    assert.equal(book.addVote({ ...vote(3), updateId: 'nobody-proposed-this' }, weight(3), 40), null);
  });

  it('settles a proposal once: committed or rejected, then forgets it', () => {
    const { make, book, weight } = setUp();
    const committed = make.update(subject);
    const rejected = make.update(subject);
    book.open(committed, 'a', 0, TIMEOUT, 40);
    book.open(rejected, 'b', 0, TIMEOUT, 40);
    const commit = make.commit(subject, {}, committed) as Commit;

    const done = book.settleCommitted(committed.id, commit, 500)!;
    assert.equal(done.state, 'committed');
    assert.equal(done.commit, commit);
    assert.equal(done.settledAt, 500);
    assert.equal(book.settleCommitted(committed.id, commit, 600), undefined);
    assert.equal(book.settleRejected(committed.id, 'TM_ERR_PROPOSAL_EXPIRED', 600), undefined);
    assert.equal(book.addVote(make.vote(committed, make.signer(1)), weight(1), 40), null);

    const refused = book.settleRejected(rejected.id, 'TM_ERR_PROPOSAL_REJECTED', 700)!;
    assert.equal(refused.state, 'rejected');
    assert.equal(refused.rejection, 'TM_ERR_PROPOSAL_REJECTED');
    assert.equal(refused.settledAt, 700);
    assert.equal(book.size, 0);
  });

  it('lists the proposals whose deadline has come, oldest first', () => {
    const { make, book } = setUp();
    const first = make.update(subject);
    const second = make.update(subject);
    const third = make.update(subject);
    book.open(first, 'a', 0, TIMEOUT, 40);
    book.open(second, 'b', 100, TIMEOUT, 40);
    book.open(third, 'c', 50, 20_000, 40);
    assert.deepEqual(book.expired(TIMEOUT - 1), []);
    assert.deepEqual(book.expired(TIMEOUT), [first.id], 'due exactly at the deadline');
    assert.deepEqual(book.expired(TIMEOUT + 100), [first.id, second.id]);
    assert.deepEqual(book.expired(30_000), [first.id, second.id, third.id]);
    assert.equal(book.size, 3, 'listing settles nothing');
  });
});
