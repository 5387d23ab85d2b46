// Proposals refused on arrival (issue 15: an invalid frame costs little before any signature check): a
// non-member's or a stale proposal is refused when it arrives, exactly as its turn would refuse it, and only while
// nothing is queued ahead of it that could change the answer (a key rotation making its origin a member).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, TrustUpdate } from '../../src/core/messages/schemas.js';
import type { Outcome } from '../../src/core/outcome.js';
import { isoTimestamp } from '../../src/core/time.js';
import type { PeerSession } from '../../src/net/peers/peer-manager.js';
import { InboundPath } from '../../src/node/inbound.js';
import { EngineMesh } from '../support/engines.js';
import { EntryMaker } from '../support/entries.js';

const subject = { agentId: 'agent-arrival', principalId: 'principal-1' };
/** Test key index of a node outside the network file. */
const OUTSIDER = 1_000;

function setup() {
  const mesh = new EngineMesh({ stakes: [10, 10] });
  const [peer, here] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
  const maker = new EntryMaker({ network: mesh.network, clock: mesh.clock });
  return { mesh, peer, here, maker };
}

describe('proposals refused on arrival', () => {
  it('refuses what handle would refuse without a signature check, counted alike; leaves the rest to handle', () => {
    const { mesh, peer, here, maker } = setup();
    const { clockSkewMs } = mesh.network.params;
    const nonMember = maker.update(subject, { origin: OUTSIDER });
    const stale = maker.update(subject, { timestamp: isoTimestamp(mesh.clock.now() - 2 * clockSkewMs) });
    const expected = [
      [nonMember, 'TM_ERR_UNKNOWN_ORIGIN'],
      [stale, 'TM_ERR_TIMESTAMP_SKEW'],
    ] as const;
    // The same messages handled in a turn by a twin engine give the same outcomes.
    const twin = setup().here.engine;
    for (const [message, code] of expected) {
      assert.deepEqual(here.engine.refusedOnArrival(peer.engine.nodeId, message), { kind: 'ignore', code });
      assert.deepEqual(twin.handle(peer.engine.nodeId, message), { kind: 'ignore', code });
    }
    assert.equal(here.engine.stats.received, 2);
    assert.equal(here.engine.stats.ignored, 2);
    assert.deepEqual(
      here.events
        .filter(({ name }) => name === 'dropped')
        .map(({ args }) => (args[2] as { code: string }).code),
      ['TM_ERR_UNKNOWN_ORIGIN', 'TM_ERR_TIMESTAMP_SKEW'],
    );
    // A fresh proposal by a member needs its signature checked: handle's job.
    assert.equal(
      here.engine.refusedOnArrival(peer.engine.nodeId, maker.update(subject, { origin: 0 })),
      null,
    );
    assert.equal(here.engine.stats.received, 2, 'what is left to handle is not counted twice');
  });

  it('through the inbound path: refused at once when nothing is queued, handled after a rotation queued ahead', async () => {
    const { mesh, peer, here, maker } = setup();
    const judged: Array<[string, string]> = [];
    let turnDone: () => void = () => {};
    const inbound = new InboundPath({
      engine: () => here.engine,
      atomically: (_what, work) => work(),
      refuse: () => {},
      monotonic: mesh.clock,
      clock: mesh.clock,
      verifier: null,
      judged: (_session, message: Message, outcome: Outcome<unknown>) => {
        judged.push([message.type, outcome.kind === 'accept' ? 'accept' : outcome.code]);
        if (message.type === 'TRUST_UPDATE') turnDone();
      },
    });
    try {
      // Only what the inbound path reads of a session: its state, id and read budget (never paused here).
      const socket = { isPaused: false, pause() {}, resume() {} };
      const session = {
        state: 'established',
        nodeId: peer.engine.nodeId,
        inboundQueued: 0,
        inboundBytes: 0,
        connection: { socket },
      } as unknown as PeerSession;
      // Key 0 moves to a key outside the network file: until the rotation is handled, its successor is no member.
      const SUCCESSOR = 50;
      const fromSuccessor = (id: string): TrustUpdate =>
        JSON.parse(JSON.stringify(maker.update(subject, { origin: SUCCESSOR, updateId: id })));

      assert.equal(inbound.enqueue(session, fromSuccessor('early'), 500), false, 'dropped at once');
      assert.deepEqual(judged, [['TRUST_UPDATE', 'TM_ERR_UNKNOWN_ORIGIN']]);
      assert.equal(inbound.queued, 0);

      const rotation = JSON.parse(JSON.stringify(maker.keyRotation(0, SUCCESSOR)));
      const turn = new Promise<void>((resolve) => {
        turnDone = resolve;
      });
      assert.equal(inbound.enqueue(session, rotation, 500), true);
      assert.equal(inbound.enqueue(session, fromSuccessor('after-rotation'), 500), true, 'queued behind it');
      await turn;
      assert.deepEqual(judged.slice(1), [
        ['KEY_ROTATION', 'accept'],
        ['TRUST_UPDATE', 'accept'],
      ]);
    } finally {
      inbound.stop();
    }
  });
});
