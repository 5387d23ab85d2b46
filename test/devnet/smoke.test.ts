import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_TRUST_SCORE, MIN_TRUST_SCORE } from '../../src/core/consensus/judge.js';
import { Devnet, devnetTopology, diameter } from '../../src/devnet/devnet.js';
import { runSmoke, type SmokeReport, smokeScore, smokeWindow } from '../../src/devnet/smoke.js';

describe('devnet smoke scenario (5 real nodes on loopback)', () => {
  let devnet: Devnet;
  let report: SmokeReport;

  before(async () => {
    devnet = await Devnet.start({ nodes: 5 });
    report = await runSmoke(devnet, 30_000);
  });
  after(async () => {
    await devnet?.stop();
  });

  test('the mesh is not fully connected: diameter at least 2', () => {
    assert.ok(report.topology.diameter >= 2, `diameter ${report.topology.diameter}`);
    assert.equal(report.topology.edges.length, 5);
  });

  test('every node received every update and the revocation', () => {
    assert.ok(report.messages.length >= 9);
    for (const message of report.messages) {
      assert.equal(message.reachedNodes, 5, `${message.type} ${message.id}`);
      assert.ok(Number.isFinite(message.maxPropagationMs) && message.maxPropagationMs >= 0);
    }
    assert.equal(report.revocation.appliedAtNodes, 5);
  });

  test('valid updates commit everywhere; the invalid one is rejected with its reason', () => {
    assert.equal(report.updates.committed, report.updates.proposed - 1);
    assert.equal(report.updates.appliedEverywhere, report.updates.committed);
    assert.equal(report.updates.rejected, 1);
    const [reasons] = Object.values(report.updates.rejectedReasons);
    assert.ok((reasons?.TM_ERR_SCORE_OUT_OF_RANGE ?? 0) >= 1, JSON.stringify(reasons));
    assert.deepEqual(
      Object.values(report.updates.rejections),
      ['TM_ERR_PROPOSAL_REJECTED'],
      'rejected, not expired',
    );
  });

  test('every node ends with the same state hash', () => {
    assert.equal(report.stateHashesEqual, true);
    assert.equal(new Set(report.stateHashes).size, 1);
    assert.equal(report.converged, true);
  });

  test('the revoked record reads as revoked on every node', () => {
    for (const node of devnet.nodes) {
      const record = node.record('agent-0-0', 'principal-0');
      assert.ok(record, 'record exists');
      assert.equal(record.revoked, true);
      assert.ok(record.updateHistory.some((item) => item.event === 'REVOCATION'));
    }
  });
});

describe('devnet smoke scenario, paced (5 nodes, 2 proposals in flight at a time)', () => {
  let devnet: Devnet;
  let report: SmokeReport;

  before(async () => {
    devnet = await Devnet.start({ nodes: 5 });
    report = await runSmoke(devnet, 30_000, { window: 2 });
  });
  after(async () => {
    await devnet?.stop();
  });

  test('never more than the window in flight, and the mesh still converges', () => {
    assert.deepEqual(report.pacing, { window: 2, maxInFlight: 2 });
    assert.equal(report.updates.proposed, 9);
    assert.equal(report.updates.committed, 8);
    assert.equal(report.updates.appliedEverywhere, 8);
    assert.deepEqual(Object.values(report.updates.rejections), ['TM_ERR_PROPOSAL_REJECTED']);
    assert.equal(report.converged, true);
  });
});

describe('devnet smoke scenario, valid proposals that fail (validators allow one proposal per node a minute)', () => {
  let devnet: Devnet;
  let report: SmokeReport;

  before(async () => {
    // Each proposer's second proposal is over its budget at every other validator, which neither votes on it nor
    // relays it: with its proposer's stake alone (100 of 400) it expires, although its content is valid.
    devnet = await Devnet.start({ nodes: 5, params: { rateLimitPerMinute: 1, proposalTimeoutMs: 1_500 } });
    report = await runSmoke(devnet, 30_000);
  });
  after(async () => {
    await devnet?.stop();
  });

  test('the report says the mesh did not converge, naming the expired proposals', () => {
    const expired = Object.values(report.updates.rejections).filter(
      (code) => code === 'TM_ERR_PROPOSAL_EXPIRED',
    );
    assert.ok(expired.length >= 4, JSON.stringify(report.updates.rejections));
    assert.ok(report.updates.committed < report.updates.proposed - 1);
    assert.equal(report.converged, false);
  });
});

describe('devnet topology', () => {
  test('rings have the expected diameter and stay connected with chords', () => {
    assert.equal(diameter(5, devnetTopology(5)), 2);
    assert.equal(diameter(3, devnetTopology(3)), 1);
    assert.ok(diameter(20, devnetTopology(20)) >= 2);
    assert.ok(Number.isFinite(diameter(64, devnetTopology(64))));
    assert.equal(diameter(4, [[0, 1]]), Number.POSITIVE_INFINITY);
  });
});

describe('devnet smoke scores', () => {
  test('every valid proposal has a valid score at any mesh size (64 nodes, 2 each)', () => {
    const scores = new Set<number>();
    for (let k = 0; k < 64; k++) {
      for (let j = 0; j < 2; j++) {
        const score = smokeScore(k, j);
        assert.ok(score >= MIN_TRUST_SCORE && score <= MAX_TRUST_SCORE, `k ${k} j ${j}: ${score}`);
        scores.add(score);
      }
    }
    assert.equal(scores.size, 128, 'scores stay distinct');
    assert.equal(smokeScore(0, 0), 500, 'small meshes keep their scores');
  });

  test('the window sends everything at once on small meshes and shrinks with the mesh', () => {
    assert.ok(smokeWindow(5) >= 9, 'all 9 proposals of 5 nodes at once');
    assert.ok(smokeWindow(20) >= 39, 'all 39 proposals of 20 nodes at once');
    assert.equal(smokeWindow(64), 7);
    for (let n = 2; n <= 64; n++) assert.ok(smokeWindow(n) <= smokeWindow(n - 1) && smokeWindow(n) >= 1);
  });
});
