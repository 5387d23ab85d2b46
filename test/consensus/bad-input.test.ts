import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { compactVotes } from '../../src/core/consensus/votes.js';
import type { ErrorCode } from '../../src/core/errors.js';
import type { Blacklist, Commit, TrustUpdate, Vote } from '../../src/core/messages/schemas.js';
import { signMessage } from '../../src/core/signing.js';
import { isoTimestamp } from '../../src/core/time.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { EntryMaker } from '../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

// Stakes: node 0 (the real node) 20, raw validators 1 and 2 hold 30 each, 3 holds 20, 4 holds none. Total 100.
const STAKES = [20, 30, 30, 20, 0];

describe('consensus refuses bad votes, commits and proposals with reason codes, leaving state untouched', () => {
  let mesh: TestMesh;
  let node: TrustMeshNode;
  let maker: EntryMaker;
  let drops: Array<{ type: string; kind: string; code: ErrorCode }>;
  let initialHash: string;

  beforeEach(async () => {
    mesh = new TestMesh(testNetwork(STAKES, {}, { proposalTimeoutMs: 3_000 }));
    node = await mesh.start(testKeyPair(0));
    maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
    drops = [];
    node.on('dropped', (_peer, type, kind, code) => drops.push({ type, kind, code }));
    initialHash = node.stateHash();
  });
  afterEach(() => mesh.cleanup());

  async function rawValidator(index: number): Promise<RawPeer> {
    const peer = await RawPeer.connect(node.endpoint, testKeyPair(index), mesh.network.networkId, mesh);
    await peer.handshake();
    await waitFor(() => node.isConnectedTo(maker.signer(index).nodeId), 2_000, 'raw peer established');
    return peer;
  }

  async function proposalSeenBy(peer: RawPeer): Promise<TrustUpdate> {
    const record = node.submit({
      agentId: 'agent',
      principalId: 'p',
      trustScore: 700,
      event: 'VERIFICATION_SUCCESS',
    });
    await waitFor(
      () => peer.received.some((m) => m.type === 'TRUST_UPDATE' && m.id === record.id),
      2_000,
      'proposal',
    );
    return peer.received.find((m) => m.type === 'TRUST_UPDATE' && m.id === record.id) as TrustUpdate;
  }

  const dropped = (code: ErrorCode) => () => drops.some((drop) => drop.code === code);

  function assertUntouched(): void {
    assert.equal(node.stateHash(), initialHash);
    assert.equal(node.record('agent', 'p'), null);
  }

  test('a forged vote is rejected (TM_ERR_SIG_INVALID) and its sender disconnected', async () => {
    const peer = await rawValidator(1);
    const update = await proposalSeenBy(peer);
    const honest = maker.vote(update, maker.signer(1));
    const forged: Vote = { ...honest, signature: maker.vote(update, maker.signer(2)).signature };
    peer.sendJson(forged);
    await waitFor(dropped('TM_ERR_SIG_INVALID'), 2_000, 'SIG_INVALID');
    await peer.waitForClose();
    assert.equal(node.proposal(update.id)?.acceptWeight, 20, 'only the node’s own vote counts');
    assertUntouched();
  });

  test('a validator voting twice is counted once (TM_ERR_VOTE_DUPLICATE); a replayed vote is a duplicate', async () => {
    const peer = await rawValidator(1);
    const update = await proposalSeenBy(peer);
    const vote = maker.vote(update, maker.signer(1));
    peer.sendJson(vote);
    peer.sendJson(vote);
    // Signed again a moment later: the same id (every vote on an update has it), other bytes.
    peer.sendJson(maker.vote(update, maker.signer(1), isoTimestamp(Date.parse(vote.timestamp) + 1)));
    await waitFor(dropped('TM_ERR_VOTE_DUPLICATE'), 2_000, 'VOTE_DUPLICATE');
    assert.ok(drops.some((drop) => drop.code === 'TM_ERR_DUPLICATE'));
    assert.equal(node.proposal(update.id)?.acceptWeight, 50, '20 + 30, not 20 + 60: exactly half, no commit');
    assert.equal(node.proposal(update.id)?.state, 'pending');
    assertUntouched();
  });

  test('votes from unknown and zero-stake nodes carry no weight (TM_ERR_NOT_VALIDATOR)', async () => {
    const peer = await rawValidator(4);
    const update = await proposalSeenBy(peer);
    peer.sendJson(maker.vote(update, maker.signer(4)));
    peer.sendJson(maker.vote(update, maker.signer(9)));
    await waitFor(
      () => drops.filter((drop) => drop.code === 'TM_ERR_NOT_VALIDATOR').length === 2,
      2_000,
      'NOT_VALIDATOR ×2',
    );
    assert.equal(node.proposal(update.id)?.acceptWeight, 20);
    assertUntouched();
  });

  test('a COMMIT with too little stake behind it is not applied (TM_ERR_QUORUM_NOT_REACHED)', async () => {
    const peer = await rawValidator(1);
    // 30 (origin 1) + 20 (voter 3) = 50 of 100: exactly half.
    const commit = maker.commit({ agentId: 'agent', principalId: 'p' }, { origin: 1, voters: [1, 3] });
    peer.sendJson(commit);
    await waitFor(dropped('TM_ERR_QUORUM_NOT_REACHED'), 2_000, 'QUORUM_NOT_REACHED');
    // A shortfall proves nothing against the signer: it may be this node's view of the stakes that lags.
    assert.equal(node.isBlacklisted(maker.signer(1).nodeId), false);
    assertUntouched();
  });

  test('a COMMIT whose vote signs a different update is rejected (TM_ERR_SIG_INVALID), blacklisting its signer', async () => {
    const peer = await rawValidator(1);
    const witness = await rawValidator(2);
    const subject = { agentId: 'agent', principalId: 'p' };
    const update = maker.update(subject, { origin: 1, trustScore: 900 });
    const other = maker.update(subject, { origin: 1, trustScore: 100 });
    // A compact vote names no update: it is checked as a vote for this one, which validator 2 never signed.
    const commit = signMessage<Commit>(maker.signer(1), maker.networkId, {
      type: 'COMMIT',
      version: '1.0',
      id: 'commit-mismatch',
      timestamp: isoTimestamp(Date.now()),
      origin: maker.signer(1).nodeId,
      originKey: maker.signer(1).publicKey,
      update,
      votes: compactVotes(
        [
          maker.vote(update, maker.signer(1)),
          maker.vote(other, maker.signer(2)),
          maker.vote(update, maker.signer(3)),
        ],
        update,
      ),
    });
    peer.sendJson(commit);
    await waitFor(dropped('TM_ERR_SIG_INVALID'), 2_000, 'SIG_INVALID');
    // The commit its origin signed is the proof: the node blacklists it and tells the mesh, evidence attached.
    const offender = maker.signer(1).nodeId;
    assert.equal(node.isBlacklisted(offender), true);
    const announced = () =>
      witness.received.find((m): m is Blacklist => m.type === 'BLACKLIST' && m.offender === offender);
    await waitFor(() => announced() !== undefined, 2_000, 'the BLACKLIST at another peer');
    assert.equal(announced()!.reason, 'INVALID_MESSAGE');
    assert.equal((announced()!.evidence[0] as Commit | undefined)?.signature, commit.signature);
    assertUntouched();
  });

  test('proposals with a score of 1001 or 3.5 get signed reject votes with the reason; a stale one gets no vote', async () => {
    const peer = await rawValidator(1);
    const subject = { agentId: 'agent', principalId: 'p' };
    const cases: Array<[TrustUpdate, ErrorCode]> = [
      [maker.update(subject, { origin: 1, trustScore: 1001 }), 'TM_ERR_SCORE_OUT_OF_RANGE'],
      [maker.update(subject, { origin: 1, trustScore: 3.5 }), 'TM_ERR_SCORE_NOT_INTEGER'],
      [
        maker.update(subject, {
          origin: 1,
          event: 'SCORE_UPDATE',
          lifts: [`REVOCATION:${'0'.repeat(64)}:r-1`],
        }),
        'TM_ERR_LIFTS_INVALID',
      ],
    ];
    // A replay from five minutes ago: voting on it again would hand out a second signed answer to abuse.
    const stale = maker.update(subject, { origin: 1, timestamp: isoTimestamp(Date.now() - 5 * 60_000) });
    peer.sendJson(stale);
    for (const [update] of cases) peer.sendJson(update);
    for (const [update, code] of cases) {
      await waitFor(
        () => peer.received.some((m) => m.type === 'VOTE' && m.updateId === update.id),
        2_000,
        `vote on ${code}`,
      );
      const vote = peer.received.find((m) => m.type === 'VOTE' && m.updateId === update.id) as Vote;
      assert.equal(vote.decision, 'reject');
      assert.equal(vote.reason, code);
      assert.equal(vote.origin, node.nodeId);
    }
    await waitFor(dropped('TM_ERR_TIMESTAMP_SKEW'), 2_000, 'the stale proposal refused');
    assert.equal(
      peer.received.some((m) => m.type === 'VOTE' && m.updateId === stale.id),
      false,
      'no vote on a stale proposal',
    );
    assert.equal(peer.closed, false, 'a semantically bad proposal is not the relay’s fault');
    assertUntouched();
  });

  test('a proposal by a node outside the network gets no vote and no relay (TM_ERR_UNKNOWN_ORIGIN)', async () => {
    const peer = await rawValidator(1);
    peer.sendJson(
      maker.update(
        { agentId: 'agent', principalId: 'p' },
        { origin: 9, trustScore: 1000, event: 'REINSTATEMENT' },
      ),
    );
    await waitFor(dropped('TM_ERR_UNKNOWN_ORIGIN'), 2_000, 'refusal');
    assert.equal(
      peer.received.some((m) => m.type === 'VOTE'),
      false,
    );
    assertUntouched();
  });
});
