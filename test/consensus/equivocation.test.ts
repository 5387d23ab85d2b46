import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { ledgerKey } from '../../src/core/ledger.js';
import type { Commit } from '../../src/core/messages/schemas.js';
import { internals } from '../../src/node/internals.js';
import { EntryMaker } from '../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

describe('equivocating proposers and id reuse', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('two different commits of one update: both nodes keep the same one whatever the order, and blacklist the origin', async () => {
    // Nodes 0 and 1 run for real; 2 (the equivocating proposer), 3 and 4 vote by hand. 300 of 500 is a majority.
    mesh = new TestMesh(testNetwork([100, 100, 100, 100, 100]));
    const [a, b] = [await mesh.start(testKeyPair(0)), await mesh.start(testKeyPair(1))];
    const maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
    const first = maker.commit(
      { agentId: 'agent', principalId: 'p' },
      { origin: 2, voters: [2, 3, 4], commitId: 'c-a' },
    );
    const second = maker.recommit(first, { commitId: 'c-b', voters: [2, 3, 4] });
    const offender = maker.signer(2).nodeId;
    for (const [node, order] of [
      [a, [first, second]],
      [b, [second, first]],
    ] as const) {
      const peer = await RawPeer.connect(node.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
      await peer.handshake();
      await waitFor(() => node.isConnectedTo(offender), 2_000, 'proposer connected');
      for (const commit of order) peer.sendJson(commit);
    }
    await waitFor(
      () => [a, b].every((node) => internals(node).engine.registry.isBlacklisted(offender)),
      5_000,
      'blacklisted on both',
    );
    for (const node of [a, b]) {
      assert.equal(
        (internals(node).store.get(ledgerKey(first)) as Commit).id,
        'c-a',
        'the smaller commit id is kept',
      );
    }
    assert.equal(a.stateHash(), b.stateHash());
  });

  test('a proposal id reused by another node does not divert the votes of the first', async () => {
    // origin 40 — relay1 — relay2 (neither votes), with a validator (40) and an attacker (20) driven by hand on
    // relay2. A vote reaches the origin only through relay2's memory of where the proposal came from.
    mesh = new TestMesh(testNetwork([40, 0, 0, 40, 20], {}, { proposalTimeoutMs: 5_000 }));
    const origin = await mesh.start(testKeyPair(0));
    const relay1 = await mesh.start(testKeyPair(1), { validator: false });
    const relay2 = await mesh.start(testKeyPair(2), { validator: false });
    await mesh.link(origin, relay1);
    await mesh.link(relay1, relay2);
    const maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
    const connect = async (index: number) => {
      const peer = await RawPeer.connect(relay2.endpoint, testKeyPair(index), mesh.network.networkId, mesh);
      await peer.handshake();
      await waitFor(() => relay2.isConnectedTo(maker.signer(index).nodeId), 2_000, 'raw peer connected');
      return peer;
    };
    const validator = await connect(3);
    const attacker = await connect(4);
    const proposal = origin.submit({
      agentId: 'agent',
      principalId: 'p',
      trustScore: 700,
      event: 'SCORE_UPDATE',
    });
    await waitFor(
      () => validator.received.some((m) => m.type === 'TRUST_UPDATE' && m.id === proposal.id),
      2_000,
      'proposal',
    );
    const update = validator.received.find((m) => m.type === 'TRUST_UPDATE' && m.id === proposal.id)!;
    // The attacker signs its own proposal under the same id and sends it to relay2 first.
    attacker.sendJson(
      maker.update({ agentId: 'agent', principalId: 'q' }, { origin: 4, updateId: proposal.id }),
    );
    await waitFor(
      () => validator.received.filter((m) => m.type === 'TRUST_UPDATE').length === 2,
      2_000,
      'attacker proposal relayed',
    );
    validator.sendJson(maker.vote(update as Parameters<EntryMaker['vote']>[0], maker.signer(3)));
    const settled = await origin.whenSettled(proposal.id);
    assert.equal(settled.state, 'committed', 'the vote found its way back through relay1');
    assert.equal(
      attacker.received.some(
        (m) => m.type === 'VOTE' && m.updateId === proposal.id && m.updateOrigin === origin.nodeId,
      ),
      false,
      'no vote on the origin’s proposal went to the attacker',
    );
  });
});
