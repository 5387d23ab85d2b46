// MeshEngine on its own: proposals, votes, commits, rejection and expiry between engines wired by hand.
// No sockets, no SQLite, no timers: in-memory ledgers and outputs, a manual clock, real Ed25519 signatures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProposalRecord } from '../../src/core/consensus/proposals.js';
import { commitKey } from '../../src/core/ledger.js';
import type { Commit, TrustUpdate, Vote } from '../../src/core/messages/schemas.js';
import { isoTimestamp } from '../../src/core/time.js';
import { EngineMesh } from '../support/engines.js';
import { EntryMaker } from '../support/entries.js';
import { testSigner } from '../support/fixtures.js';

const alice = { agentId: 'agent-alice', principalId: 'principal-1' };

describe('MeshEngine: proposals and votes', () => {
  it('commits a proposal once more than half the stake accepts, on every engine alike', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10, 10] });
    const [a, b, c, d] = mesh.nodes as [
      (typeof mesh.nodes)[0],
      (typeof mesh.nodes)[0],
      (typeof mesh.nodes)[0],
      (typeof mesh.nodes)[0],
    ];
    const proposed = a.engine.propose({ ...alice, trustScore: 700, event: 'VERIFICATION_SUCCESS' });
    assert.equal(proposed.state, 'pending');
    assert.equal(proposed.acceptWeight, 10, 'the proposer votes on its own proposal');
    assert.equal(a.engine.pendingProposals, 1);
    assert.deepEqual(
      a.output.broadcasts.map(({ message }) => message.type),
      ['TRUST_UPDATE'],
    );

    // Round one: the update reaches B, C, D; each votes and answers the proposer directly.
    const first = mesh.deliver({ rounds: 1 });
    assert.deepEqual(
      first.map(({ to, message, outcome }) => [to, message.type, outcome.kind]),
      [b, c, d].map((node) => [node.engine.nodeId, 'TRUST_UPDATE', 'accept']),
    );
    for (const node of [b, c, d]) {
      const votes = node.output.sent.filter(({ message }) => message.type === 'VOTE');
      assert.equal(votes.length, 1);
      assert.equal(votes[0]!.to, a.engine.nodeId);
      assert.equal((votes[0]!.message as Vote).decision, 'accept');
      assert.equal(node.engine.stats.votesCast, 1);
    }
    assert.equal(a.ledger.size(), 0, 'nothing is stored before the quorum');

    mesh.deliver();
    const settled = a.engine.proposalStatus(proposed.id)!;
    assert.equal(settled.state, 'committed');
    // The third accepting vote (30 of 40) settles it; the fourth arrives after and is not counted.
    assert.equal(settled.acceptWeight, 30);
    assert.equal(settled.votes, 3);
    assert.equal(settled.settledAt, mesh.clock.now());
    assert.equal(a.engine.pendingProposals, 0);
    assert.deepEqual(
      a.ledger.loadProposal(proposed.id),
      settled,
      'the settled record is in the proposal log',
    );
    const commit = settled.commit as Commit;
    assert.equal(commit.votes.length, 3);

    const hash = a.ledger.stateHash();
    for (const node of mesh.nodes) {
      assert.equal(node.ledger.size(), 1);
      assert.equal(node.ledger.stateHash(), hash);
      assert.deepEqual(node.ledger.get(commitKey(proposed.update)), commit);
      const record = node.ledger.record(alice.agentId, alice.principalId)!;
      assert.equal(record.trustScore, 700);
      assert.equal(record.revoked, false);
      assert.equal(record.signatures[0]!.nodeId, a.engine.nodeId);
      assert.equal(record.signatures.length, 4, 'the origin and each counted voter');
      assert.equal(node.engine.stats.commitsApplied, 1);
    }
    assert.deepEqual(
      mesh.eventsOf(a, 'committed').map(([, proposedHere]) => proposedHere),
      [true],
    );
    assert.deepEqual(
      mesh.eventsOf(a, 'proposalSettled').map(([record]) => (record as ProposalRecord).state),
      ['committed'],
    );
    for (const node of [b, c, d]) {
      assert.deepEqual(
        mesh.eventsOf(node, 'committed').map(([, proposedHere]) => proposedHere),
        [false],
      );
    }
    const late = mesh.handled.filter(
      ({ message, outcome }) => message.type === 'VOTE' && outcome.kind === 'ignore',
    );
    assert.equal(late.length, 1);
    assert.deepEqual(late[0]!.outcome, {
      kind: 'ignore',
      code: 'TM_ERR_DUPLICATE',
      detail: 'proposal already settled',
    });
  });

  it('settles a proposal rejected when validators holding half the stake vote against it', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10, 10] });
    const a = mesh.nodes[0]!;
    // The engine leaves range checks to the validators (the API checks input before calling).
    const proposed = a.engine.propose({ ...alice, trustScore: 1001, event: 'SCORE_UPDATE' });
    assert.equal(proposed.state, 'pending');
    assert.equal(proposed.rejectWeight, 10, 'its own validator votes against it too');
    mesh.deliver();

    const settled = a.engine.proposalStatus(proposed.id)!;
    assert.equal(settled.state, 'rejected');
    assert.equal(settled.rejection, 'TM_ERR_PROPOSAL_REJECTED');
    assert.equal(settled.acceptWeight, 0);
    assert.equal(settled.rejectWeight, 20, 'settled as soon as accepting stake can no longer win');
    assert.deepEqual(settled.reasons, { TM_ERR_SCORE_OUT_OF_RANGE: 2 });
    assert.equal(settled.commit, undefined);
    for (const node of mesh.nodes) assert.equal(node.ledger.size(), 0);
    // A bad score is relayed, so every validator votes and the proposer learns at once.
    for (const node of mesh.nodes.slice(1)) {
      const votes = node.output.sent.filter(({ message }) => message.type === 'VOTE');
      assert.deepEqual(
        votes.map(({ message }) => [(message as Vote).decision, (message as Vote).reason]),
        [['reject', 'TM_ERR_SCORE_OUT_OF_RANGE']],
      );
    }
  });

  it('gets no votes for a stale proposal or one from a non-member, and expires them at their deadline', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10] });
    const a = mesh.nodes[0]!;
    const { clockSkewMs, proposalTimeoutMs } = mesh.network.params;
    const stale = a.engine.propose(
      { ...alice, trustScore: 500, event: 'SCORE_UPDATE' },
      { timestamp: isoTimestamp(mesh.clock.now() - clockSkewMs - 1) },
    );
    assert.deepEqual(stale.reasons, { TM_ERR_TIMESTAMP_SKEW: 1 }, 'its own validator refuses it too');

    const outsider = mesh.add(testSigner(9));
    outsider.output.setConnected(mesh.nodes.slice(0, 3).map((node) => node.engine.nodeId));
    const foreign = outsider.engine.propose({ ...alice, trustScore: 400, event: 'SCORE_UPDATE' });

    const handled = mesh.deliver();
    const updates = handled.filter(({ message }) => message.type === 'TRUST_UPDATE');
    assert.deepEqual(
      updates.map(({ message, outcome }) => [(message as TrustUpdate).id, outcome]),
      [
        [stale.id, { kind: 'ignore', code: 'TM_ERR_TIMESTAMP_SKEW' }],
        [stale.id, { kind: 'ignore', code: 'TM_ERR_TIMESTAMP_SKEW' }],
        [foreign.id, { kind: 'ignore', code: 'TM_ERR_UNKNOWN_ORIGIN' }],
        [foreign.id, { kind: 'ignore', code: 'TM_ERR_UNKNOWN_ORIGIN' }],
        [foreign.id, { kind: 'ignore', code: 'TM_ERR_UNKNOWN_ORIGIN' }],
      ],
    );
    assert.equal(
      handled.filter(({ message }) => message.type === 'VOTE').length,
      0,
      'nobody answers with a vote',
    );
    assert.deepEqual(
      mesh
        .eventsOf(mesh.nodes[1]!, 'dropped')
        .map(([, type, outcome]) => [type, (outcome as { code: string }).code]),
      [
        ['TRUST_UPDATE', 'TM_ERR_TIMESTAMP_SKEW'],
        ['TRUST_UPDATE', 'TM_ERR_UNKNOWN_ORIGIN'],
      ],
    );

    mesh.clock.advance(proposalTimeoutMs - 1);
    mesh.tickAll();
    assert.equal(a.engine.proposalStatus(stale.id)!.state, 'pending');
    assert.equal(outsider.engine.proposalStatus(foreign.id)!.state, 'pending');

    mesh.clock.advance(1);
    mesh.tickAll();
    for (const [node, id] of [
      [a, stale.id],
      [outsider, foreign.id],
    ] as const) {
      const settled = node.engine.proposalStatus(id)!;
      assert.equal(settled.state, 'rejected');
      assert.equal(settled.rejection, 'TM_ERR_PROPOSAL_EXPIRED');
      assert.equal(settled.settledAt, mesh.clock.now());
      assert.equal(node.engine.pendingProposals, 0);
      assert.deepEqual(node.ledger.loadProposal(id), settled);
      assert.deepEqual(
        mesh.eventsOf(node, 'proposalSettled').map(([record]) => (record as ProposalRecord).rejection),
        ['TM_ERR_PROPOSAL_EXPIRED'],
      );
    }
    for (const node of mesh.nodes) assert.equal(node.ledger.size(), 0);
  });

  it('drops a duplicate before any signature check, and remembers it only until the seen window ends', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10] });
    const [a, b] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    const make = new EntryMaker({ network: mesh.network, clock: mesh.clock });
    const update = make.update(alice, { origin: 2 });
    const verified = b.engine.verifier.stats.verified;
    assert.equal(b.engine.handle(a.engine.nodeId, update).kind, 'accept');
    assert.equal(b.engine.verifier.stats.verified, verified + 1);
    const checks = { ...b.engine.verifier.stats };

    for (let copy = 0; copy < 3; copy++) {
      assert.deepEqual(b.engine.handle(a.engine.nodeId, JSON.parse(JSON.stringify(update))), {
        kind: 'ignore',
        code: 'TM_ERR_DUPLICATE',
      });
    }
    assert.equal(b.engine.stats.duplicatesDropped, 3);
    assert.deepEqual(b.engine.verifier.stats, checks, 'no signature was checked, not even from the cache');
    assert.equal(b.engine.stats.votesCast, 1, 'one vote, whatever the number of copies');
    assert.equal(b.engine.stats.forwarded, 1);

    // Gossip over a full mesh makes duplicates on its own: every copy after the first stops at the cache.
    for (const node of mesh.nodes) node.output.clear();
    const droppedBefore = mesh.nodes.map((node) => node.engine.stats.duplicatesDropped);
    a.engine.propose({ ...alice, trustScore: 300, event: 'SCORE_UPDATE' });
    const handled = mesh.deliver();
    const duplicates = handled.filter(
      ({ outcome }) =>
        outcome.kind === 'ignore' && outcome.code === 'TM_ERR_DUPLICATE' && !('detail' in outcome),
    );
    assert.ok(duplicates.length > 0);
    mesh.nodes.forEach((node, index) => {
      assert.equal(
        node.engine.stats.duplicatesDropped - droppedBefore[index]!,
        duplicates.filter(({ to }) => to === node.engine.nodeId).length,
      );
    });

    // Past the seen window (2 × skew + proposal timeout) a copy is looked at again, and is too old to vote on.
    const { clockSkewMs, proposalTimeoutMs } = mesh.network.params;
    mesh.clock.advance(2 * clockSkewMs + proposalTimeoutMs);
    b.engine.tick();
    assert.deepEqual(b.engine.handle(a.engine.nodeId, update), {
      kind: 'ignore',
      code: 'TM_ERR_TIMESTAMP_SKEW',
    });
  });
});
