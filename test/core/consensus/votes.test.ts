// VoteTally and the vote rules on their own: one vote per identity, quorum above half, defeat, the grace rule.
// Votes are really signed by test keys; the tally itself never checks signatures (the engine did already).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isQuorum, VoteTally, voteMismatch, voteWeight } from '../../../src/core/consensus/votes.js';
import type { Vote } from '../../../src/core/messages/schemas.js';
import { NodeRegistry } from '../../../src/core/nodes/registry.js';
import { messageDigest } from '../../../src/core/signing.js';
import { parseTimestamp } from '../../../src/core/time.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { EntryMaker } from '../../support/entries.js';
import { testNetwork, testSigner } from '../../support/fixtures.js';

const subject = { agentId: 'agent-a', principalId: 'principal-1' };

function setUp() {
  const make = new EntryMaker({ network: testNetwork([10, 10, 10, 10]) });
  const update = make.update(subject);
  const vote = (index: number, changes: Partial<Vote> = {}): Vote => ({
    ...make.vote(update, make.signer(index)),
    ...changes,
  });
  const reject = (index: number, reason?: string): Vote =>
    vote(index, { decision: 'reject', ...(reason === undefined ? {} : { reason }) } as Partial<Vote>);
  const as = (index: number, weight = 10) => ({ identity: make.signer(index).nodeId, weight });
  return { make, update, vote, reject, as };
}

describe('VoteTally', () => {
  it('counts one vote per identity and sums accepting and rejecting stake apart', () => {
    const { vote, reject, as } = setUp();
    const tally = new VoteTally();
    assert.deepEqual(tally.add(vote(0), as(0)), { kind: 'counted' });
    assert.deepEqual(tally.add(vote(1), as(1, 7)), { kind: 'counted' });
    assert.deepEqual(tally.add(reject(2, 'TM_ERR_SCORE_OUT_OF_RANGE'), as(2, 5)), { kind: 'counted' });
    assert.equal(tally.acceptWeight, 17);
    assert.equal(tally.rejectWeight, 5);
    assert.equal(tally.voteCount, 3);
  });

  it('tells a repeated vote (duplicate) from a contradicting one (conflict, with the first as evidence)', () => {
    const { vote, reject, as, make, update } = setUp();
    const tally = new VoteTally();
    const first = vote(0);
    tally.add(first, as(0));
    // A re-signed copy with the same decision on the same update is the same vote.
    assert.deepEqual(tally.add(vote(0, { id: 'other-id' }), as(0)), { kind: 'duplicate' });
    assert.deepEqual(tally.add(reject(0), as(0)), { kind: 'conflict', previous: first });
    const otherDigest = messageDigest(sodiumCrypto, make.networkId, { ...update, id: 'another' });
    assert.deepEqual(tally.add(vote(0, { updateDigest: otherDigest }), as(0)), {
      kind: 'conflict',
      previous: first,
    });
    assert.equal(tally.acceptWeight, 10, 'neither changed the count');
    assert.equal(tally.voteCount, 1);
  });

  it('counts an identity once even when it votes under two keys (before and after a rotation)', () => {
    const { vote, as } = setUp();
    const tally = new VoteTally();
    tally.add(vote(0), as(0));
    assert.deepEqual(tally.add(vote(5), as(0)), { kind: 'duplicate' });
    assert.equal(tally.acceptWeight, 10);
  });

  it('reaches quorum only above half of the stake, and is defeated once acceptance can no longer win', () => {
    const { vote, reject, as } = setUp();
    const tally = new VoteTally();
    assert.equal(tally.status(40), 'pending');
    tally.add(vote(0), as(0));
    tally.add(vote(1), as(1));
    assert.equal(tally.status(40), 'pending', 'exactly half is not a quorum');
    assert.equal(tally.status(39), 'quorum');
    tally.add(reject(2), as(2, 19));
    assert.equal(tally.status(40), 'pending');
    tally.add(reject(3), as(3, 1));
    assert.equal(tally.status(40), 'defeated', 'half the stake against: the rest cannot make a majority');
    assert.equal(new VoteTally().status(0), 'defeated', 'nothing can pass without stake');
    assert.equal(isQuorum(21, 40), true);
    assert.equal(isQuorum(20, 40), false);
    assert.equal(isQuorum(0, 0), false);
  });

  it('proves a commit with accepting votes of weight only, and counts reject reasons', () => {
    const { vote, reject, as } = setUp();
    const tally = new VoteTally();
    const counted = vote(0);
    tally.add(counted, as(0));
    tally.add(vote(1), as(1, 0));
    tally.add(reject(2, 'TM_ERR_SCORE_OUT_OF_RANGE'), as(2));
    tally.add(reject(3, 'TM_ERR_SCORE_OUT_OF_RANGE'), as(3));
    tally.add(reject(4), as(4));
    assert.deepEqual(tally.acceptingVotes(), [counted]);
    assert.deepEqual(tally.reasons(), { TM_ERR_SCORE_OUT_OF_RANGE: 2, unspecified: 1 });
  });
});

describe('vote rules', () => {
  it('binds a vote to one update by id, origin and signed-bytes digest', () => {
    const { vote, update, make } = setUp();
    const digest = messageDigest(sodiumCrypto, make.networkId, update);
    assert.equal(voteMismatch(vote(1), update, digest), null);
    assert.equal(voteMismatch(vote(1, { updateId: 'x' }), update, digest), 'TM_ERR_VOTE_MISMATCH');
    assert.equal(
      voteMismatch(vote(1, { updateOrigin: testSigner(2).nodeId }), update, digest),
      'TM_ERR_VOTE_MISMATCH',
    );
    assert.equal(voteMismatch(vote(1), update, '0'.repeat(64)), 'TM_ERR_VOTE_MISMATCH');
  });

  it('weighs a vote by its identity; a rotated-away key counts only for votes signed before the rotation', () => {
    const { make, update } = setUp();
    const registry = new NodeRegistry(make.network);
    const before = make.vote(update, make.signer(1));
    make.clock.advance(1000);
    const rotatedAt = make.clock.now();
    registry.applyRotation(make.signer(1).nodeId, testSigner(9).nodeId, {
      at: rotatedAt,
      id: 'rotation',
      origin: make.signer(1).nodeId,
    });
    const atRotation = make.vote(update, make.signer(1));
    assert.equal(parseTimestamp(atRotation.timestamp), rotatedAt);
    const identity = testSigner(9).nodeId;
    assert.deepEqual(voteWeight(registry, before), { identity, weight: 10 });
    assert.deepEqual(voteWeight(registry, atRotation), { identity, weight: 0 });
    assert.deepEqual(voteWeight(registry, make.vote(update, testSigner(9))), { identity, weight: 10 });
    assert.deepEqual(voteWeight(registry, make.vote(update, testSigner(30))), {
      identity: testSigner(30).nodeId,
      weight: 0,
    });
  });
});
