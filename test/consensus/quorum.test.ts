import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { TestMesh, waitFor } from '../support/mesh.js';

describe('simple-majority, stake-weighted consensus over real sockets', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('a validator holding exactly 50% cannot commit alone; with one more validator it can', async () => {
    // Stakes: A 50, B 25, C 25 (C never runs). A alone is exactly half: not a majority.
    mesh = new TestMesh(testNetwork([50, 25, 25], {}, { proposalTimeoutMs: 1_000 }));
    const a = await mesh.start(testKeyPair(0));
    const alone = a.submit({ agentId: 'agent', principalId: 'p', trustScore: 600, event: 'REGISTRATION' });
    const expired = await a.whenSettled(alone.id);
    assert.equal(expired.state, 'rejected');
    assert.equal(expired.rejection, 'TM_ERR_PROPOSAL_EXPIRED');
    assert.equal(expired.acceptWeight, 50);
    assert.equal(expired.totalStake, 100);
    assert.equal(a.record('agent', 'p'), null, 'nothing committed');

    const b = await mesh.start(testKeyPair(1));
    await mesh.link(a, b);
    const together = a.submit({ agentId: 'agent', principalId: 'p', trustScore: 610, event: 'REGISTRATION' });
    const committed = await a.whenSettled(together.id);
    assert.equal(committed.state, 'committed');
    assert.equal(committed.acceptWeight, 75);
    assert.equal(committed.commit?.votes.length, 2);
    // B verified the commit on its own and applied it.
    await waitFor(() => b.record('agent', 'p')?.trustScore === 610, 5_000, 'commit at b');
    const record = b.record('agent', 'p')!;
    assert.deepEqual(
      record.signatures.map((s) => s.nodeId).sort(),
      [a.nodeId, a.nodeId, b.nodeId].sort(),
      'origin signature plus both votes',
    );
    assert.equal(a.stateHash(), b.stateHash());
  });

  test('validators that hold at least half the stake rejecting ends the proposal early with their reasons', async () => {
    mesh = new TestMesh(testNetwork([40, 30, 30], {}, { proposalTimeoutMs: 5_000 }));
    const [a, b, c] = await Promise.all([0, 1, 2].map((i) => mesh.start(testKeyPair(i))));
    await mesh.link(a!, b!);
    await mesh.link(b!, c!);
    const started = Date.now();
    const proposal = a!.submit({
      agentId: 'agent',
      principalId: 'p',
      trustScore: 3.5,
      event: 'SCORE_UPDATE',
    });
    const settled = await a!.whenSettled(proposal.id);
    assert.equal(settled.state, 'rejected');
    assert.equal(settled.rejection, 'TM_ERR_PROPOSAL_REJECTED');
    assert.ok(Date.now() - started < 4_000, 'settled before the deadline');
    assert.ok((settled.reasons.TM_ERR_SCORE_NOT_INTEGER ?? 0) >= 2, JSON.stringify(settled.reasons));
    for (const node of [a!, b!, c!]) assert.equal(node.record('agent', 'p'), null);
  });
});

describe('a network without stake', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('settles every proposal at once as TM_ERR_NO_VALIDATORS, whether the proposer votes or not', async () => {
    mesh = new TestMesh(testNetwork([0, 0]));
    for (const [index, validator] of [
      [0, true],
      [1, false],
    ] as const) {
      const node = await mesh.start(testKeyPair(index), { validator });
      const record = node.submit({ agentId: 'a', principalId: 'p', trustScore: 1, event: 'SCORE_UPDATE' });
      assert.equal(record.state, 'rejected', `validator: ${validator}`);
      assert.equal(record.rejection, 'TM_ERR_NO_VALIDATORS');
    }
  });
});
