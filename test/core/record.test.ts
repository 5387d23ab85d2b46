import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { voteIdOf } from '../../src/core/consensus/votes.js';
import { conflicts } from '../../src/core/critical/evidence.js';
import { ledgerKey } from '../../src/core/ledger.js';
import type { Vote } from '../../src/core/messages/schemas.js';
import { NodeRegistry } from '../../src/core/nodes/registry.js';
import { signMessage } from '../../src/core/signing.js';
import { deriveRecord, type RecordEntry } from '../../src/core/state/record.js';
import { MessageVerifier } from '../../src/core/verifier.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { EntryMaker } from '../support/entries.js';
import { testNetwork } from '../support/fixtures.js';

const subject = { agentId: 'agent', principalId: 'p' };
const both = (a: RecordEntry, b: RecordEntry) => [deriveRecord([a, b]), deriveRecord([b, a])];

describe('record state rules', () => {
  test('updates with the same timestamp and id from different origins order the same everywhere', () => {
    const maker = new EntryMaker();
    const at = '2026-06-01T12:00:00.000Z';
    const low = maker.commit(subject, { origin: 0, updateId: 'same', timestamp: at, trustScore: 100 });
    const high = maker.commit(subject, { origin: 1, updateId: 'same', timestamp: at, trustScore: 900 });
    const [one, two] = both(low, high);
    assert.deepEqual(one, two);
    const winner = low.update.origin > high.update.origin ? 100 : 900;
    assert.equal(one?.trustScore, winner, 'the larger origin wins the tie');
    assert.equal(one?.updateHistory.length, 2);
  });

  test('a REINSTATEMENT lifts exactly the revocations it names', () => {
    const maker = new EntryMaker();
    const first = maker.revocation(subject, { id: 'r-1' });
    const later = maker.revocation(subject, { id: 'r-2', origin: 1 });
    const reinstate = maker.commit(subject, {
      event: 'REINSTATEMENT',
      trustScore: 600,
      lifts: [ledgerKey(first)],
      timestamp: '2026-12-31T00:00:00.000Z',
    });
    assert.equal(deriveRecord([first, reinstate])?.revoked, false);
    // A revocation the reinstating validators had not seen stands, even though the reinstatement is dated later.
    assert.equal(deriveRecord([first, reinstate, later])?.revoked, true);
    assert.equal(deriveRecord([later, reinstate, first])?.revoked, true);
    const all = maker.commit(subject, {
      event: 'REINSTATEMENT',
      lifts: [ledgerKey(first), ledgerKey(later)],
    });
    assert.equal(deriveRecord([later, first, reinstate, all])?.revoked, false);
  });

  test('two votes on one update conflict only when their decisions differ', () => {
    const network = testNetwork([10, 10]);
    const maker = new EntryMaker({ network });
    const update = maker.update(subject);
    const voter = maker.signer(1);
    const accept = maker.vote(update, voter);
    const acceptAgain = maker.vote(update, voter);
    const rejectVote = signMessage<Vote>(voter, network.networkId, {
      type: 'VOTE',
      version: '1.0',
      id: voteIdOf(accept.updateDigest),
      timestamp: accept.timestamp,
      origin: voter.nodeId,
      originKey: voter.publicKey,
      updateId: accept.updateId,
      updateOrigin: accept.updateOrigin,
      updateDigest: accept.updateDigest,
      decision: 'reject',
      reason: 'TM_ERR_SCORE_OUT_OF_RANGE',
    });
    const context = {
      crypto: sodiumCrypto,
      networkId: network.networkId,
      verifier: new MessageVerifier(sodiumCrypto, network.networkId),
      registry: new NodeRegistry(network),
      clockSkewMs: 60_000,
      proposalTimeoutMs: 10_000,
    };
    assert.equal(conflicts(context, accept, acceptAgain), false, 'asked twice, answered the same');
    assert.equal(conflicts(context, accept, rejectVote), true);
  });

  test('of two rotations away from one id, the earlier wins whatever the order they are applied in', () => {
    const network = testNetwork([10]);
    const early = { at: 1_000, id: 'b', origin: 'x' };
    const late = { at: 2_000, id: 'a', origin: 'x' };
    const first = new NodeRegistry(network);
    first.applyRotation('x', 'y-early', early);
    first.applyRotation('x', 'y-late', late);
    const second = new NodeRegistry(network);
    second.applyRotation('x', 'y-late', late);
    second.applyRotation('x', 'y-early', early);
    assert.equal(first.currentId('x'), 'y-early');
    assert.equal(second.currentId('x'), 'y-early');
    assert.deepEqual(second.chainOf('y-late'), ['y-late']);
  });
});
