import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { ErrorCode } from '../../src/core/errors.js';
import { DEFAULT_READ_BUDGET } from '../../src/net/read-budget.js';
import { internals } from '../../src/node/internals.js';
import { EntryMaker } from '../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

describe('a flooding peer is limited, scored down and dropped; the mesh goes on', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('10,000 signed proposals from one member: the excess dropped, the peer disconnected and refused for a while', async () => {
    mesh = new TestMesh(testNetwork([100, 100, 100]));
    const node = await mesh.start(testKeyPair(0));
    const honest = await mesh.start(testKeyPair(1));
    await mesh.link(honest, node);
    const maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
    const flood = Array.from({ length: 10_000 }, (_, i) =>
      JSON.stringify(maker.update({ agentId: `flood-${i}`, principalId: 'p' }, { origin: 2 })),
    );
    const attacker = await RawPeer.connect(node.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await attacker.handshake();
    const attackerId = attacker.signer.nodeId;
    await waitFor(() => node.isConnectedTo(attackerId), 2_000, 'attacker established');
    const drops: ErrorCode[] = [];
    node.on('dropped', (peer, _type, _kind, code) => {
      if (peer === attackerId) drops.push(code);
    });
    const disconnects = new Map<string, ErrorCode | null>();
    node.on('peer:disconnected', (peer, code) => disconnects.set(peer, code));
    // What the flood can make the node hold, sampled while it lasts: messages read and not yet handled (a
    // proposal handled is voted on and not kept; the seen caches have fixed capacities).
    const { inbound } = internals(node);
    let held = 0;
    const sampler = setInterval(() => {
      held = Math.max(held, inbound.queued);
    }, 2);
    for (const frame of flood) {
      if (attacker.closed) break;
      attacker.socket.send(frame);
    }
    // Honest work during the flood still commits.
    const record = honest.submit({
      agentId: 'honest',
      principalId: 'p',
      trustScore: 700,
      event: 'SCORE_UPDATE',
    });
    try {
      await waitFor(() => disconnects.has(attackerId), 10_000, 'the flooder dropped');
    } finally {
      clearInterval(sampler);
    }
    assert.equal(disconnects.get(attackerId), 'TM_ERR_PEER_SCORE');
    // Memory stays bounded: frames over the connection's budget are dropped before they are queued, and the
    // socket is paused past the read budget (ws may hand over the rest of a chunk already read, a few hundred
    // frames of this size), so the flood never waits in memory whole.
    assert.ok(
      held <= DEFAULT_READ_BUDGET.maxQueued + 256,
      `${held} of ${flood.length} messages held at most`,
    );
    // Beyond its budgets: the connection's (which drops frames before the engine sees them, counted in the
    // metric) or the origin's (the engine's, also a 'dropped' event). Which one bites first is a matter of timing.
    const metric = await node.metrics.registry.getSingleMetricAsString('trustmesh_messages_dropped_total');
    const limited = metric
      .split('\n')
      .filter((line) => line.includes('code="TM_ERR_RATE_LIMITED"'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    assert.ok(limited > 0, `proposals beyond the budgets were dropped:\n${metric}`);
    assert.ok(
      drops.filter((code) => code === 'TM_ERR_RATE_LIMITED').length <= limited,
      'every rate-limited drop the engine reported is in the metric',
    );
    const votes = node.stats().engine.votesCast;
    assert.ok(votes <= 102, `at most the budget of 100 proposals (and the honest one) got a vote: ${votes}`);
    // Refused for a while: a new connection of the same key is closed at once.
    const again = await RawPeer.connect(node.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await again.handshake().catch(() => undefined);
    await again.waitForClose();
    assert.equal(again.closeReason, 'TM_ERR_PEER_SCORE');
    assert.equal((await honest.whenSettled(record.id)).state, 'committed');
    await waitFor(() => node.record('honest', 'p')?.trustScore === 700, 5_000, 'the honest commit stored');
    const score = node.peerSummaries().find((peer) => peer.nodeId === honest.nodeId)?.score ?? Number.NaN;
    assert.ok(score >= 0, `the honest peer keeps a good score (${score})`);
  });
});
