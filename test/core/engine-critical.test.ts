// MeshEngine critical events on its own: revocation applied at once, equivocation blacklisted, keys rotated.
// In-memory ledgers and outputs, a manual clock and real signatures; messages move only when the test says so.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ledgerKey } from '../../src/core/ledger.js';
import type { Blacklist } from '../../src/core/messages/schemas.js';
import { EngineMesh } from '../support/engines.js';
import { EntryMaker } from '../support/entries.js';
import { testSigner } from '../support/fixtures.js';

const alice = { agentId: 'agent-alice', principalId: 'principal-1' };

describe('MeshEngine: critical events', () => {
  it('applies a revocation at once, without votes, everywhere; a committed reinstatement lifts it', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10] });
    const [a, b] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    a.engine.propose({ ...alice, trustScore: 800, event: 'VERIFICATION_SUCCESS' });
    mesh.deliver();

    mesh.clock.advance(1000);
    const revocation = b.engine.revoke({ ...alice, reason: 'key leaked' });
    const key = ledgerKey(revocation);
    // Stored and in effect on the issuer before anything is sent.
    assert.equal(b.ledger.record(alice.agentId, alice.principalId)!.revoked, true);
    assert.deepEqual(b.ledger.openRevocations(alice.agentId, alice.principalId), [key]);
    assert.equal(a.ledger.record(alice.agentId, alice.principalId)!.revoked, false);

    const handled = mesh.deliver();
    assert.equal(
      handled.filter(({ message }) => message.type === 'VOTE').length,
      0,
      'a critical event takes no votes',
    );
    for (const node of mesh.nodes) {
      const record = node.ledger.record(alice.agentId, alice.principalId)!;
      assert.equal(record.revoked, true);
      assert.equal(record.trustScore, 800, 'a revocation keeps the last score');
      assert.deepEqual(
        record.updateHistory.map(({ event }) => event),
        ['VERIFICATION_SUCCESS', 'REVOCATION'],
      );
      assert.deepEqual(node.ledger.get(key), revocation);
      assert.equal(node.engine.stats.criticalApplied, 1);
      assert.deepEqual(
        mesh.eventsOf(node, 'critical').map(([event]) => ledgerKey(event as typeof revocation)),
        [key],
      );
    }

    mesh.clock.advance(1000);
    const reinstated = a.engine.propose({ ...alice, trustScore: 400, event: 'REINSTATEMENT' });
    assert.deepEqual(reinstated.update.payload.lifts, [key], 'by default it lifts every open revocation');
    mesh.deliver();
    assert.equal(a.engine.proposalStatus(reinstated.id)!.state, 'committed');
    const hash = a.ledger.stateHash();
    for (const node of mesh.nodes) {
      const record = node.ledger.record(alice.agentId, alice.principalId)!;
      assert.equal(record.revoked, false);
      assert.equal(record.trustScore, 400);
      assert.deepEqual(node.ledger.openRevocations(alice.agentId, alice.principalId), []);
      assert.equal(node.ledger.stateHash(), hash);
    }
  });

  it('blacklists an origin that signs two different messages under one id, and disconnects it', () => {
    // Key 3 holds stake but runs no engine here: it is the equivocator, and the test signs for it.
    const mesh = new EngineMesh({ stakes: [10, 10, 10, 10], engines: [0, 1, 2] });
    const [a, b, c] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    const offender = testSigner(3).nodeId;
    for (const node of mesh.nodes) node.output.connect(offender);
    const make = new EntryMaker({ network: mesh.network, clock: mesh.clock });
    const first = make.update(alice, { origin: 3, updateId: 'twice', trustScore: 100 });
    const second = make.update(alice, { origin: 3, updateId: 'twice', trustScore: 900 });
    assert.equal(a.engine.registry.totalActiveStake(), 40);

    assert.equal(b.engine.handle(offender, first).kind, 'accept');
    assert.deepEqual(b.engine.handle(offender, second), {
      kind: 'ignore',
      code: 'TM_ERR_BLACKLISTED',
      detail: 'equivocation detected',
    });
    const accusation = b.output.broadcasts.find(({ message }) => message.type === 'BLACKLIST')!
      .message as Blacklist;
    assert.equal(accusation.offender, offender);
    assert.equal(accusation.reason, 'EQUIVOCATION');
    assert.deepEqual(accusation.evidence, [first, second]);
    assert.deepEqual(b.output.disconnects, [{ peerId: offender, code: 'TM_ERR_BLACKLISTED' }]);
    assert.equal(b.output.isConnected(offender), false);

    mesh.deliver({ filter: (_from, to) => to !== offender });
    for (const node of [a, b, c]) {
      assert.equal(node.engine.registry.isBlacklisted(offender), true);
      assert.equal(node.engine.registry.totalActiveStake(), 30, 'the offender no longer weighs anything');
      assert.deepEqual(node.ledger.get(ledgerKey(accusation)), accusation);
      assert.deepEqual(mesh.eventsOf(node, 'blacklisted'), [[offender]]);
      assert.equal(node.output.isConnected(offender), false);
    }
    assert.deepEqual(a.output.disconnects, [{ peerId: offender, code: 'TM_ERR_BLACKLISTED' }]);

    // Whatever it sends afterwards is dropped unheard.
    const later = make.update(alice, { origin: 3, trustScore: 300 });
    const verified = c.engine.verifier.stats.verified;
    assert.deepEqual(c.engine.handle(a.engine.nodeId, later), { kind: 'ignore', code: 'TM_ERR_BLACKLISTED' });
    assert.equal(c.engine.verifier.stats.verified, verified);
  });

  it('blacklists an origin that commits one update twice, and every engine keeps the same commit', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10, 10], engines: [0, 1, 2] });
    const [a, , c] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    const offender = testSigner(3).nodeId;
    for (const node of mesh.nodes) node.output.connect(offender);
    const make = new EntryMaker({ network: mesh.network, clock: mesh.clock });
    const commit = make.commit(alice, { origin: 3, commitId: 'commit-b', voters: [0, 1, 2] });
    const rival = make.recommit(commit, { commitId: 'commit-a', voters: [0, 1, 2] });

    // Opposite arrival orders on A and C.
    assert.equal(c.engine.handle(offender, rival).kind, 'accept');
    assert.equal(a.engine.handle(offender, commit).kind, 'accept');
    assert.equal(
      a.engine.handle(offender, rival).kind,
      'accept',
      'the preferred commit replaces the held one',
    );
    assert.equal(a.engine.registry.isBlacklisted(offender), true);
    mesh.deliver({ filter: (_from, to) => to !== offender });

    const hash = a.ledger.stateHash();
    for (const node of mesh.nodes) {
      assert.equal(node.engine.registry.isBlacklisted(offender), true);
      assert.equal(node.ledger.get(ledgerKey(commit))!.id, 'commit-a');
      assert.equal(node.ledger.stateHash(), hash);
      const accusations = node.ledger.entriesOfType(['BLACKLIST']) as Blacklist[];
      assert.ok(accusations.length >= 1);
      assert.ok(accusations.every((entry) => entry.offender === offender && entry.reason === 'EQUIVOCATION'));
    }
  });

  it('moves stake to a rotated key at once; the old key is refused afterwards, also after a restart', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10] });
    const [a, b, c] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    const oldId = b.engine.nodeId;
    const newSigner = testSigner(20);
    mesh.clock.advance(1000);
    const rotation = b.engine.rotateKey(newSigner);
    assert.equal(b.engine.nodeId, newSigner.nodeId);
    assert.deepEqual(
      b.output.broadcasts.map(({ message }) => message.type),
      ['KEY_ROTATION', 'PEER_ANNOUNCE'],
      'gossiped at once, then re-announced under the new id',
    );

    mesh.deliver();
    for (const node of mesh.nodes) {
      const { registry } = node.engine;
      assert.equal(registry.currentId(oldId), newSigner.nodeId);
      assert.equal(registry.stakeOf(newSigner.nodeId), 10, 'the stake follows the identity');
      assert.equal(registry.totalActiveStake(), 30);
      assert.equal(registry.validators().includes(oldId), false);
      assert.deepEqual(node.ledger.get(ledgerKey(rotation)), rotation);
    }
    for (const node of [a, c]) {
      assert.deepEqual(mesh.eventsOf(node, 'rotated'), [[oldId, newSigner.nodeId]]);
      assert.equal(node.output.isConnected(newSigner.nodeId), true);
    }

    // Signed by the old key after the rotation: no vote for its update, no room for its commit.
    mesh.clock.advance(1000);
    const make = new EntryMaker({ network: mesh.network, clock: mesh.clock });
    const update = make.update(alice, { origin: 1 });
    assert.deepEqual(a.engine.handle(c.engine.nodeId, update), {
      kind: 'ignore',
      code: 'TM_ERR_KEY_ROTATED',
    });
    const commit = make.commit(alice, { origin: 1, voters: [0, 2] });
    assert.deepEqual(c.engine.handle(a.engine.nodeId, commit), {
      kind: 'ignore',
      code: 'TM_ERR_KEY_ROTATED',
    });
    const revocation = make.revocation(alice, { origin: 1 });
    assert.deepEqual(c.engine.handle(a.engine.nodeId, revocation), {
      kind: 'ignore',
      code: 'TM_ERR_KEY_ROTATED',
    });
    mesh.deliver();

    // The node under its new key proposes, and its own vote carries the stake of the old one.
    const proposed = b.engine.propose({ ...alice, trustScore: 650, event: 'SCORE_UPDATE' });
    assert.equal(proposed.acceptWeight, 10);
    mesh.deliver();
    const settled = b.engine.proposalStatus(proposed.id)!;
    assert.equal(settled.state, 'committed');
    for (const node of mesh.nodes) {
      const record = node.ledger.record(alice.agentId, alice.principalId)!;
      assert.equal(record.trustScore, 650);
      assert.equal(record.signatures[0]!.nodeId, newSigner.nodeId);
    }

    // A restarted engine over the same ledger rebuilds the rotation from it.
    const restarted = mesh.add(testSigner(2), 'full', c.ledger);
    assert.equal(restarted.engine.registry.currentId(oldId), newSigner.nodeId);
    assert.equal(restarted.engine.registry.stakeOf(newSigner.nodeId), 10);
    const rotatedAgain = mesh.add(newSigner, 'full', b.ledger);
    rotatedAgain.output.connect(a.engine.nodeId);
    rotatedAgain.engine.peerConnected(a.engine.nodeId);
    assert.deepEqual(
      rotatedAgain.output.queuedFor(a.engine.nodeId)[0],
      rotation,
      'a new peer first gets the rotation that made this id',
    );
  });
});
