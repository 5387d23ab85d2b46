// A revocation storm over real sockets: one member signs far more REVOCATIONs than its critical-event budget and
// sends them at full speed. Each node applies at most the budget of them; other members' revocations still apply.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { ErrorCode } from '../../../src/core/errors.js';
import { internals } from '../../../src/node/internals.js';
import { EntryMaker } from '../../support/entries.js';
import { CountingEntropy, ManualClock, testKeyPair, testNetwork } from '../../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../../support/mesh.js';

const STORM = 300;
/** Key 3: the storming member. Keys 0–2 run real nodes. */
const STORMER = 3;

describe('a revocation storm from one member', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('is bounded by its critical budget on every node; other members’ revocations apply everywhere', async () => {
    mesh = new TestMesh(testNetwork([10, 10, 10, 10]));
    const budget = mesh.network.params.criticalRateLimitPerMinute;
    assert.ok(STORM > 4 * budget, `the storm (${STORM}) is far beyond the budget (${budget})`);
    const nodes = [
      await mesh.start(testKeyPair(0)),
      await mesh.start(testKeyPair(1)),
      await mesh.start(testKeyPair(2)),
    ];
    const [entry, middle, far] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    // A line: the storm enters at one end and must cross a relay to reach the far end.
    await Promise.all([mesh.link(middle, entry), mesh.link(far, middle)]);
    const maker = new EntryMaker({
      network: mesh.network,
      clock: new ManualClock(Date.now()),
      entropy: new CountingEntropy('storm'),
    });
    const storm = Array.from({ length: STORM }, (_, i) =>
      JSON.stringify(
        maker.revocation({ agentId: `storm-${i}`, principalId: 'p' }, { origin: STORMER, reason: 'storm' }),
      ),
    );
    const stormer = await RawPeer.connect(entry.endpoint, testKeyPair(STORMER), mesh.network.networkId, mesh);
    await stormer.handshake();
    const stormerId = stormer.signer.nodeId;
    await waitFor(() => entry.isConnectedTo(stormerId), 2_000, 'the storming member connected');
    const limited: ErrorCode[] = [];
    entry.on('dropped', (peer, _type, _kind, code) => {
      if (peer === stormerId && code === 'TM_ERR_RATE_LIMITED') limited.push(code);
    });

    const started = Date.now();
    for (const frame of storm) stormer.sendText(frame);
    // Meanwhile two other members revoke, at both ends of the line.
    const honest: Array<[(typeof nodes)[0], string]> = [
      [middle, 'stolen-key-agent'],
      [far, 'leaked-agent'],
      [entry, 'rogue-agent'],
    ];
    for (const [node, agentId] of honest) node.revoke({ agentId, principalId: 'p', reason: 'compromised' });
    await stormer.waitForClose(10_000);
    assert.equal(stormer.closeReason, 'TM_ERR_PEER_SCORE', 'the stormer is scored down and dropped');
    assert.ok(limited.length > 0, 'revocations beyond the budget were dropped');
    // Scores decay even between the drop and the test seeing the close: read the score it was dropped with.
    const droppedWith = internals(entry).judge.scoreWhenDropped(stormerId);
    assert.ok(droppedWith !== null && droppedWith < -50, `dropped with score ${droppedWith}`);

    await waitFor(
      () => nodes.every((node) => honest.every(([, agentId]) => node.record(agentId, 'p')?.revoked === true)),
      10_000,
      'every other member’s revocation applied on every node',
    );
    const revokedAt = (node: (typeof nodes)[0]) =>
      storm.filter((_, i) => node.record(`storm-${i}`, 'p')?.revoked === true).length;
    const applied = revokedAt(entry);
    await waitFor(
      () => nodes.every((node) => revokedAt(node) === applied),
      10_000,
      'the storm’s admitted part relayed as it is',
    );
    // The bucket holds `budget` tokens and refills at budget per minute while the test runs.
    const bound = Math.floor(budget * (1 + (Date.now() - started) / 60_000));
    assert.ok(applied > 0, 'the member’s budget itself is honoured');
    for (const node of nodes)
      assert.ok(revokedAt(node) <= bound, `${revokedAt(node)} storm revocations applied, at most ${bound}`);
  });
});
