// Per-origin budgets in the engine: the spec's 100 proposals a minute per origin and a separate budget for
// critical events, spent only by messages whose signature checked out. No sockets: engines wired by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBuckets } from '../../../src/core/scoring/token-bucket.js';
import { EngineMesh } from '../../support/engines.js';

describe('TokenBuckets', () => {
  it('allows the burst, then the rate, and refills with time', () => {
    const buckets = new TokenBuckets({ perMinute: 60, burst: 5 });
    const t = 1_000_000;
    for (let i = 0; i < 5; i++) assert.equal(buckets.take('a', t), true);
    assert.equal(buckets.take('a', t), false, 'the burst is spent');
    assert.equal(buckets.take('b', t), true, 'buckets are per key');
    assert.equal(buckets.take('a', t + 999), false, 'one token a second: not yet');
    assert.equal(buckets.take('a', t + 1_000), true);
    assert.equal(buckets.available('a', t + 3_600_000), 5, 'never more than the burst');
  });

  it('stays bounded: buckets not used lately are forgotten past the cap', () => {
    const buckets = new TokenBuckets({ perMinute: 1, burst: 1 }, 100);
    for (let i = 0; i < 1_000; i++) buckets.take(`k${i}`, 0);
    assert.equal(buckets.size, 100);
  });
});

describe('per-origin budgets in the engine', () => {
  it('a member proposing faster than its budget has the excess dropped by its neighbours, and recovers', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10], params: { rateLimitPerMinute: 20 } });
    const [a, b] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    for (let i = 0; i < 30; i++) {
      a.engine.propose({ agentId: `agent-${i}`, principalId: 'p', trustScore: 500, event: 'SCORE_UPDATE' });
    }
    const handled = mesh
      .deliver()
      .filter((h) => h.to === b.engine.nodeId && h.message.type === 'TRUST_UPDATE');
    assert.equal(handled.filter((h) => h.outcome.kind === 'accept').length, 20);
    const limited = handled.filter(
      (h) => h.outcome.kind === 'ignore' && h.outcome.code === 'TM_ERR_RATE_LIMITED',
    );
    assert.equal(
      limited.length,
      10,
      'the ten beyond the budget are dropped, not the sender’s fault (ignore)',
    );
    assert.equal(b.engine.stats.votesCast, 20, 'no vote on a proposal over budget');
    // A minute later the budget is back.
    mesh.clock.advance(60_000);
    a.engine.propose({ agentId: 'later', principalId: 'p', trustScore: 500, event: 'SCORE_UPDATE' });
    const later = mesh.deliver().filter((h) => h.to === b.engine.nodeId && h.message.type === 'TRUST_UPDATE');
    assert.equal(later[0]?.outcome.kind, 'accept');
  });

  it('a revocation storm from one member is bounded, and another member’s revocations still apply', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10], params: { criticalRateLimitPerMinute: 10 } });
    const [a, b, c] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    for (let i = 0; i < 50; i++)
      a.engine.revoke({ agentId: `storm-${i}`, principalId: 'p', reason: 'storm' });
    c.engine.revoke({ agentId: 'real', principalId: 'p', reason: 'compromised' });
    mesh.deliver();
    const appliedAtB = (prefix: string) =>
      Array.from({ length: 50 }, (_, i) => b.ledger.record(`${prefix}-${i}`, 'p')).filter((r) => r?.revoked)
        .length;
    assert.equal(appliedAtB('storm'), 10, 'only the budget of the storm is applied at a neighbour');
    assert.equal(b.ledger.record('real', 'p')?.revoked, true, 'the other member is unaffected');
    assert.equal(a.ledger.record('real', 'p')?.revoked, true);
  });

  it('forged messages cannot spend a member’s budget', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10], params: { criticalRateLimitPerMinute: 2 } });
    const [a, b] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    // Three revocations by A with their signatures broken: refused for the signature, no budget spent.
    for (let i = 0; i < 3; i++) {
      const event = a.engine.revoke({ agentId: `forged-${i}`, principalId: 'p', reason: 'x' });
      a.output.drain();
      const forged = { ...event, payload: { ...event.payload, agentId: `other-${i}` } };
      assert.equal(b.engine.handle(a.engine.nodeId, forged).kind, 'reject');
    }
    a.engine.revoke({ agentId: 'genuine', principalId: 'p', reason: 'x' });
    mesh.deliver();
    assert.equal(b.ledger.record('genuine', 'p')?.revoked, true);
  });
});
