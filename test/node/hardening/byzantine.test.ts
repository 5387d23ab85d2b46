// Byzantine members over real sockets: 7 honest nodes and 3 members holding real keys that, all at once, send
// invalid signatures, forged and equivocating votes and spam. Every honest update still commits everywhere.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { PROTOCOL_VERSION } from '../../../src/core/messages/fields.js';
import type { Revocation, TrustUpdate, Vote } from '../../../src/core/messages/schemas.js';
import { messageDigest, type Signer, signMessage } from '../../../src/core/signing.js';
import { isoTimestamp } from '../../../src/core/time.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { internals } from '../../../src/node/internals.js';
import type { TrustMeshNode } from '../../../src/node/node.js';
import { EntryMaker } from '../../support/entries.js';
import { CountingEntropy, ManualClock, testKeyPair, testNetwork } from '../../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../../support/mesh.js';

const HONEST = 7;
/** Keys 7, 8 and 9: members of the network file with a tenth of the stake each, run by the test. */
const [FORGER, VOTER, SPAMMER] = [7, 8, 9];
/** Per-origin proposal budget of this network: small, so the spam is cheap to send and to check. */
const PROPOSALS_PER_MINUTE = 30;

describe('Byzantine members in a 10-node mesh', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('invalid signatures, forged and equivocating votes and spam: every honest update commits everywhere', async () => {
    mesh = new TestMesh(
      testNetwork(new Array(10).fill(10), {}, { rateLimitPerMinute: PROPOSALS_PER_MINUTE }),
    );
    const { networkId } = mesh.network;
    const honest: TrustMeshNode[] = [];
    for (let i = 0; i < HONEST; i++) honest.push(await mesh.start(testKeyPair(i)));
    // A ring with chords: every honest node has four honest neighbours.
    await Promise.all(
      honest.flatMap((node, i) => [
        mesh.link(node, honest[(i + 1) % HONEST]!),
        mesh.link(node, honest[(i + 2) % HONEST]!),
      ]),
    );
    const maker = new EntryMaker({
      network: mesh.network,
      clock: new ManualClock(Date.now()),
      entropy: new CountingEntropy('byz'),
    });
    const signer = (index: number): Signer => maker.signer(index);
    const connect = async (key: number, to: TrustMeshNode): Promise<RawPeer> => {
      const peer = await RawPeer.connect(to.endpoint, testKeyPair(key), networkId, mesh);
      await peer.handshake();
      await waitFor(() => to.isConnectedTo(peer.signer.nodeId) || peer.closed, 5_000, 'byzantine peer in');
      return peer;
    };
    /** A message claiming `claimed` as its origin but signed by `actual`: a forgery no honest node may accept. */
    const envelope = (type: string, claimed: number) => ({
      type,
      version: PROTOCOL_VERSION,
      id: maker.entropy.messageId(),
      timestamp: isoTimestamp(Date.now()),
      origin: signer(claimed).nodeId,
      originKey: signer(claimed).publicKey,
    });
    const honestUpdates: Array<{ agentId: string; score: number; id: string }> = [];
    const submitFrom = (node: TrustMeshNode, agentId: string, score: number) => {
      const record = node.submit({ agentId, principalId: 'p', trustScore: score, event: 'SCORE_UPDATE' });
      honestUpdates.push({ agentId, score, id: record.id });
      return record;
    };

    // Scores decay with time, even between the drop and the test seeing the close: each bad sender's score is the
    // one its node dropped it with.
    const scoreAt = (node: TrustMeshNode, key: number) => internals(node).judge.scoreOf(signer(key).nodeId);
    const droppedWith = (node: TrustMeshNode, key: number) =>
      internals(node).judge.scoreWhenDropped(signer(key).nodeId);
    const spamStart = Date.now();

    // The three attack at once, each at honest nodes of its own, while honest nodes propose.
    // Spam: 300 validly signed proposals from one member, far beyond its budget.
    const spam = async () => {
      const spammer = await connect(SPAMMER, honest[2]!);
      for (let i = 0; i < 300 && !spammer.closed; i++)
        spammer.sendJson(maker.update({ agentId: `spam-${i}`, principalId: 'p' }, { origin: SPAMMER }));
      for (const [i, node] of honest.entries()) submitFrom(node, `during-spam-${i}`, 100 + i);
      await spammer.waitForClose(10_000);
      assert.equal(spammer.closeReason, 'TM_ERR_PEER_SCORE', 'the spammer is scored down and dropped');
      return droppedWith(honest[2]!, SPAMMER);
    };

    // Invalid signatures: a tampered update, an update and a revocation claiming honest origins. Each closes the
    // link at once; the third brings the forger's score below the threshold, and it is refused for a while.
    const forge = async () => {
      const tampered = maker.update({ agentId: 'tampered', principalId: 'p' }, { origin: FORGER });
      const forgeries: unknown[] = [
        { ...tampered, payload: { ...tampered.payload, trustScore: 999 } },
        signMessage<TrustUpdate>(signer(FORGER), networkId, {
          ...(envelope('TRUST_UPDATE', 3) as Omit<TrustUpdate, 'payload'>),
          payload: { agentId: 'forged-origin', principalId: 'p', trustScore: 1, event: 'SCORE_UPDATE' },
        } as never),
        signMessage<Revocation>(signer(FORGER), networkId, {
          ...(envelope('REVOCATION', 1) as Omit<Revocation, 'payload' | 'priority'>),
          priority: 'CRITICAL',
          payload: { agentId: 'during-spam-0', principalId: 'p', reason: 'forged' },
        } as never),
      ];
      const target = honest[0]!;
      for (const [i, forgery] of forgeries.entries()) {
        const forger = await connect(FORGER, target);
        assert.equal(forger.closed, false, `the forger gets in before forgery ${i}`);
        forger.sendJson(forgery);
        await forger.waitForClose();
        if (i < 2) assert.equal(forger.closeReason, 'TM_ERR_SIG_INVALID');
      }
      const refused = await RawPeer.connect(target.endpoint, testKeyPair(FORGER), networkId, mesh);
      await refused.handshake().catch(() => undefined);
      await refused.waitForClose();
      assert.equal(refused.closeReason, 'TM_ERR_PEER_SCORE', 'refused after its score fell');
      return droppedWith(target, FORGER);
    };

    // Forged votes: a vote claiming another validator, then two conflicting votes under one id (equivocation).
    const vote = async () => {
      const forgedVoteLink = await connect(VOTER, honest[4]!);
      const equivocationLink = await connect(VOTER, honest[1]!);
      const record = submitFrom(honest[3]!, 'voted-on', 640);
      const { update } = record;
      const digest = messageDigest(sodiumCrypto, networkId, update);
      const voteFields = { updateId: update.id, updateOrigin: update.origin, updateDigest: digest };
      forgedVoteLink.sendJson(
        signMessage<Vote>(signer(VOTER), networkId, {
          ...(envelope('VOTE', 5) as Omit<Vote, 'updateId'>),
          ...voteFields,
          decision: 'reject',
        } as never),
      );
      await forgedVoteLink.waitForClose();
      assert.equal(forgedVoteLink.closeReason, 'TM_ERR_SIG_INVALID');
      const voteEnvelope = envelope('VOTE', VOTER);
      for (const decision of ['accept', 'reject'] as const)
        equivocationLink.sendJson(
          signMessage<Vote>(signer(VOTER), networkId, { ...voteEnvelope, ...voteFields, decision } as never),
        );
      const voterId = signer(VOTER).nodeId;
      await waitFor(
        () => honest.every((node) => node.isBlacklisted(voterId)),
        10_000,
        'the equivocating voter blacklisted on every honest node',
      );
    };
    const [spammerScore, forgerScore] = await Promise.all([spam(), forge(), vote()]);
    for (const [i, node] of honest.entries()) submitFrom(node, `after-attacks-${i}`, 300 + i);

    // Every honest update commits, on every honest node, with its own score.
    for (const { id } of honestUpdates) {
      const origin = honest.find((node) => node.proposal(id) !== null)!;
      assert.equal((await origin.whenSettled(id)).state, 'committed', `honest update ${id} committed`);
    }
    await waitFor(
      () =>
        honest.every((node) =>
          honestUpdates.every(({ agentId, score }) => node.record(agentId, 'p')?.trustScore === score),
        ),
      20_000,
      'every honest update stored on every honest node',
    );
    for (const node of honest) {
      assert.equal(node.record('tampered', 'p'), null, 'no tampered update anywhere');
      assert.equal(node.record('forged-origin', 'p'), null, 'no forged origin anywhere');
      assert.equal(
        node.record('during-spam-0', 'p')?.revoked,
        false,
        'the forged revocation applied nowhere',
      );
    }
    // Spam past the budget never reached a vote: the node it was sent to voted on at most the budget (plus the
    // refill while the test ran) of it, besides the honest updates.
    const elapsedMinutes = (Date.now() - spamStart) / 60_000;
    const votes = honest[2]!.stats().engine.votesCast;
    const bound = Math.floor(PROPOSALS_PER_MINUTE * (1 + elapsedMinutes)) + honestUpdates.length;
    assert.ok(votes <= bound, `spam bounded by the origin budget: ${votes} votes, at most ${bound}`);
    // The bad senders' scores fell where they misbehaved.
    assert.ok(spammerScore !== null && spammerScore < -50, `spammer ${spammerScore} when dropped`);
    assert.ok(forgerScore !== null && forgerScore < -50, `forger ${forgerScore} when refused`);
    assert.ok(scoreAt(honest[4]!, VOTER) < 0, `vote forger ${scoreAt(honest[4]!, VOTER)}`);
    for (const node of honest)
      for (const peer of node.peerSummaries())
        if (honest.some((h) => h.nodeId === peer.nodeId))
          assert.ok(peer.score >= 0, `honest peers keep their scores (${peer.score})`);
  });
});
