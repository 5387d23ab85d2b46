// PeerJudge turns outcomes into scores: excess over an origin's budget is charged to the origin, and to a relay
// only past what an honest relay could forward of that origin, so an honest relay of a member's storm keeps its score.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '../../src/core/messages/schemas.js';
import { ignore } from '../../src/core/outcome.js';
import { silentLogger } from '../../src/log.js';
import type { PeerSession } from '../../src/net/peers/peer-manager.js';
import { PeerJudge } from '../../src/node/peer-judge.js';
import { EntryMaker } from '../support/entries.js';
import { ManualClock, testNetwork } from '../support/fixtures.js';

const STORMER = 1;
const RELAY = 2;

describe('PeerJudge and origin budgets', () => {
  const clock = new ManualClock(1_000_000);
  const maker = new EntryMaker({ network: testNetwork([10, 10, 10]), clock });
  const session = (index: number) =>
    ({ nodeId: maker.signer(index).nodeId, state: 'established' }) as unknown as PeerSession;
  /** 100 of the stormer's revocations and proposals, each refused as over its budget. */
  const storm: Message[] = Array.from({ length: 100 }, (_, i) =>
    i % 2 === 0
      ? maker.revocation({ agentId: `a-${i}`, principalId: 'p' }, { origin: STORMER })
      : maker.update({ agentId: `a-${i}`, principalId: 'p' }, { origin: STORMER }),
  );
  const overBudget = ignore('TM_ERR_RATE_LIMITED', 'over its budget');
  /** A judge whose refusals close the session, as the peer manager's do, and are recorded. */
  const judgeRecordingRefusals = () => {
    const refused: string[] = [];
    const judge = new PeerJudge(clock, silentLogger(), (refusedSession, code) => {
      refused.push(`${refusedSession.nodeId}:${code}`);
      refusedSession.state = 'closed';
    });
    return { judge, refused };
  };

  it('does not score a relay for another origin’s excess', () => {
    const { judge, refused } = judgeRecordingRefusals();
    const relay = session(RELAY);
    for (const message of storm) judge.judged(relay, message, overBudget);
    assert.equal(judge.scoreOf(relay.nodeId!), 0);
    assert.deepEqual(refused, []);
  });

  it('scores a relay past what an honest one could forward of that origin', () => {
    const { judge, refused } = judgeRecordingRefusals();
    const relay = session(RELAY);
    // Honest relays forward at most the origin's budget of it (100 a minute): the next ones are the relay's own.
    for (const message of storm) judge.judged(relay, message, overBudget);
    assert.equal(judge.scoreOf(relay.nodeId!), 0, 'the first 100 cost nothing');
    for (const message of storm.slice(0, 60)) judge.judged(relay, message, overBudget);
    assert.deepEqual(
      refused,
      [`${relay.nodeId}:TM_ERR_PEER_SCORE`],
      'then it is scored like an origin, and dropped',
    );
  });

  it('scores the origin sending its own excess, and drops it below the threshold', () => {
    const { judge, refused } = judgeRecordingRefusals();
    const stormer = session(STORMER);
    for (const message of storm.slice(0, 40)) judge.judged(stormer, message, overBudget);
    assert.equal(judge.scoreOf(stormer.nodeId!), -40);
    for (const message of storm.slice(40)) judge.judged(stormer, message, overBudget);
    assert.deepEqual(refused, [`${stormer.nodeId}:TM_ERR_PEER_SCORE`]);
    assert.ok(judge.scoreWhenDropped(stormer.nodeId!)! < -50);
  });
});
