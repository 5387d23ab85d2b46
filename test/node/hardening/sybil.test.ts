// A Sybil crowd over real sockets: 100 fresh zero-stake identities that paid their admission work connect to a
// node, propose, vote and back a minority member's commit. Stake decides, not numbers; slots and table stay bounded.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { voteIdOf } from '../../../src/core/consensus/votes.js';
import type { ErrorCode } from '../../../src/core/errors.js';
import { PROTOCOL_VERSION } from '../../../src/core/messages/fields.js';
import type { Vote } from '../../../src/core/messages/schemas.js';
import { bucketIndex } from '../../../src/core/routing/ids.js';
import { messageDigest, signMessage } from '../../../src/core/signing.js';
import { isoTimestamp } from '../../../src/core/time.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { internals } from '../../../src/node/internals.js';
import { STRICT } from '../../support/discovery.js';
import { EntryMaker } from '../../support/entries.js';
import { CountingEntropy, ManualClock, testKeyPair, testNetwork } from '../../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../../support/mesh.js';

/** Test keys from here on are in no network file: zero stake, admitted only with their proof of work. */
const FIRST_SYBIL = 100;
const SYBILS = 100;
/** Key 3: a member with a sliver of the stake (2 of 32) that colludes with the crowd. */
const COLLUDER = 3;

describe('100 zero-stake identities against a staked network', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('they hold only the non-member slots, two per table bucket, and cannot commit or block a score', async () => {
    mesh = new TestMesh(testNetwork([10, 10, 10, 2]));
    const { networkId } = mesh.network;
    // The node under test applies the routing table's subnet bound to loopback too (STRICT: 2 per bucket).
    const node = await mesh.start(testKeyPair(0), { host: '127.0.4.2', discovery: STRICT });
    const [second, third] = [await mesh.start(testKeyPair(1)), await mesh.start(testKeyPair(2))];
    await Promise.all([mesh.link(second, node), mesh.link(third, node), mesh.link(second, third)]);
    const maker = new EntryMaker({
      network: mesh.network,
      clock: new ManualClock(Date.now()),
      entropy: new CountingEntropy('sybil'),
    });
    const sybilIds = new Set(Array.from({ length: SYBILS }, (_, i) => maker.signer(FIRST_SYBIL + i).nodeId));
    const drops: Array<{ peer: string; code: ErrorCode }> = [];
    node.on('dropped', (peer, _type, _kind, code) => drops.push({ peer, code }));

    // All at once, each with a dialable endpoint claimed (so each asks for a routing-table entry).
    const crowd = await Promise.all(
      Array.from({ length: SYBILS }, async (_, i) => {
        const peer = await RawPeer.connect(node.endpoint, testKeyPair(FIRST_SYBIL + i), networkId, mesh);
        await peer.handshake({ endpoints: [`ws://127.0.0.1:${20_000 + i}/mesh`] }).catch(() => undefined);
        return peer;
      }),
    );
    const settled = () => crowd.every((peer) => peer.closed || node.isConnectedTo(peer.signer.nodeId));
    await waitFor(settled, 10_000, 'every Sybil admitted or refused');
    const inside = crowd.filter((peer) => !peer.closed && node.isConnectedTo(peer.signer.nodeId));
    assert.equal(inside.length, 16, 'the non-member share of the 32 inbound slots, no more');
    assert.ok(
      crowd.filter((peer) => peer.closed).every((peer) => peer.closeReason === 'TM_ERR_TOO_MANY_PEERS'),
      'the rest refused for want of a slot',
    );

    // A member still connects at once.
    const started = performance.now();
    const colluder = await RawPeer.connect(node.endpoint, testKeyPair(COLLUDER), networkId, mesh);
    await colluder.handshake();
    await waitFor(() => node.isConnectedTo(colluder.signer.nodeId), 2_000, 'the member admitted');
    assert.ok(performance.now() - started < 2_000, 'at once');

    // The routing table: the Sybils it was offered share one subnet, so each bucket holds two at most.
    const perBucket = new Map<number, number>();
    for (const entry of internals(node).discovery.table.entries())
      if (sybilIds.has(entry.nodeId)) {
        const bucket = bucketIndex(node.nodeId, entry.nodeId);
        perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
      }
    assert.ok(perBucket.size > 0, 'the Sybils reached the table');
    for (const [bucket, count] of perBucket) assert.ok(count <= 2, `bucket ${bucket} holds ${count} Sybils`);
    const entered = [...perBucket.values()].reduce((a, b) => a + b, 0);
    assert.ok(
      entered < inside.length,
      `${entered} of the ${inside.length} connected Sybils entered the table`,
    );

    // Their own proposals: no member origin, so no vote, no relay, nothing stored.
    const votesBefore = node.stats().engine.votesCast;
    for (const [i, peer] of inside.entries())
      peer.sendJson(maker.update({ agentId: `sybil-${i}`, principalId: 'p' }, { origin: FIRST_SYBIL + i }));
    const unknown = () => drops.filter((drop) => drop.code === 'TM_ERR_UNKNOWN_ORIGIN').length;
    await waitFor(() => unknown() >= inside.length, 5_000, 'Sybil proposals dropped');
    assert.equal(node.stats().engine.votesCast, votesBefore, 'no vote on a Sybil proposal');

    // An honest proposal the crowd votes against with 100 signed rejections: they weigh nothing.
    const record = node.submit({
      agentId: 'honest',
      principalId: 'p',
      trustScore: 800,
      event: 'SCORE_UPDATE',
    });
    const digest = messageDigest(sodiumCrypto, networkId, record.update);
    for (let i = 0; i < SYBILS; i++) {
      const voter = maker.signer(FIRST_SYBIL + i);
      inside[i % inside.length]!.sendJson(
        signMessage<Vote>(voter, networkId, {
          type: 'VOTE',
          version: PROTOCOL_VERSION,
          id: voteIdOf(digest),
          timestamp: isoTimestamp(Date.now()),
          origin: voter.nodeId,
          originKey: voter.publicKey,
          updateId: record.update.id,
          updateOrigin: record.update.origin,
          updateDigest: digest,
          decision: 'reject',
        } as never),
      );
    }
    const outcome = await node.whenSettled(record.id);
    assert.equal(outcome.state, 'committed');
    assert.equal(outcome.rejectWeight, 0, 'no Sybil vote was counted');
    assert.equal(
      drops.filter((drop) => drop.code === 'TM_ERR_VOTE_MISMATCH').length,
      0,
      'for want of stake, not of a well-formed vote',
    );

    // A score the staked majority rejects (out of range): the validators say so, and a commit the colluding
    // member assembles from its own vote and 100 Sybil votes is refused by every node.
    const rejected = maker.update(
      { agentId: 'victim', principalId: 'p' },
      { origin: COLLUDER, trustScore: 1_001 },
    );
    colluder.sendJson(rejected);
    const rejections = () =>
      colluder.received.filter(
        (m) => m.type === 'VOTE' && m.updateId === rejected.id && m.decision === 'reject',
      ).length;
    await waitFor(() => rejections() === 3, 5_000, 'the three staked validators reject it');
    const crowdVoters = Array.from({ length: SYBILS }, (_, i) => FIRST_SYBIL + i);
    const forcedCommits = [
      maker.commit(rejected.payload, { origin: COLLUDER, voters: [COLLUDER, ...crowdVoters] }, rejected),
      // A score nobody objects to, but that no staked validator was asked about.
      maker.commit(
        { agentId: 'victim-2', principalId: 'p' },
        { origin: COLLUDER, trustScore: 1, voters: [COLLUDER, ...crowdVoters] },
      ),
    ];
    for (const commit of forcedCommits) colluder.sendJson(commit);
    const shortOfQuorum = () => drops.filter((drop) => drop.code === 'TM_ERR_QUORUM_NOT_REACHED').length;
    await waitFor(() => shortOfQuorum() >= forcedCommits.length, 5_000, 'the forced commits refused');
    for (const peer of [node, second, third]) {
      assert.equal(peer.record('victim', 'p'), null);
      assert.equal(peer.record('victim-2', 'p'), null);
      for (let i = 0; i < inside.length; i++) assert.equal(peer.record(`sybil-${i}`, 'p'), null);
    }
    await waitFor(
      () => third.record('honest', 'p')?.trustScore === 800,
      5_000,
      'the honest score everywhere',
    );
  });
});
