import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Commit, Query, QueryResult } from '../../src/core/messages/schemas.js';
import { internals } from '../../src/node/internals.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

describe('light nodes', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('a light node never votes, fetches what it lacks from a full node and verifies it', async () => {
    mesh = new TestMesh(testNetwork([100, 0]));
    const full = await mesh.start(testKeyPair(0));
    const record = await full.whenSettled(
      full.submit({ agentId: 'a', principalId: 'p', trustScore: 640, event: 'REGISTRATION' }).id,
    );
    assert.equal(record.state, 'committed');
    const light = await mesh.start(testKeyPair(1), { type: 'light' });
    assert.equal(internals(light).engine.votes, false);
    await mesh.link(light, full);
    assert.equal(light.record('a', 'p'), null, 'not held yet');
    assert.deepEqual(await light.lookupRecord('a', 'p'), full.record('a', 'p'));
    assert.deepEqual(await light.lookupAgent('a'), [full.record('a', 'p')]);
    assert.equal(await light.lookupRecord('nobody', 'p'), null);
  });

  test('a full node serving a tampered record is dropped and the next full node is asked', async () => {
    mesh = new TestMesh(testNetwork([100, 0, 0]));
    const full = await mesh.start(testKeyPair(0));
    await full.whenSettled(
      full.submit({ agentId: 'a', principalId: 'p', trustScore: 640, event: 'REGISTRATION' }).id,
    );
    const light = await mesh.start(testKeyPair(1), { type: 'light' });
    // The liar connects first, so the light node asks it first.
    const liar = await RawPeer.connect(light.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await liar.handshake();
    await waitFor(() => light.isConnectedTo(liar.signer.nodeId), 2_000, 'liar connected');
    await mesh.link(light, full);
    liar.socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Query;
      if (message.type !== 'QUERY') return;
      const honest = internals(full).store.entriesFor('a', 'p', undefined, 10).entries as Commit[];
      // Same signatures, better score: exactly what a lying server would try.
      const tampered = honest.map((commit) => ({
        ...commit,
        update: { ...commit.update, payload: { ...commit.update.payload, trustScore: 1000 } },
      }));
      const answer: QueryResult = { type: 'QUERY_RESULT', version: '1.0', id: message.id, entries: tampered };
      liar.sendJson(answer);
    });
    const got = await light.lookupRecord('a', 'p');
    assert.equal(got?.trustScore, 640);
    await liar.waitForClose();
    assert.equal(liar.closeReason, 'TM_ERR_SIG_INVALID');
  });

  test("a light node's cache stays under its byte budget while records stream past it", async () => {
    mesh = new TestMesh(testNetwork([100, 0]));
    const full = await mesh.start(testKeyPair(0));
    const budget = 40 * 1024;
    const light = await mesh.start(testKeyPair(1), { type: 'light', lightCacheBytes: budget });
    await mesh.link(light, full);
    let over = 0;
    let applied = 0;
    light.on('committed', () => {
      applied++;
      if (internals(light).store.stats().bytes > budget) over++;
    });
    const count = 200;
    for (let i = 0; i < count; i++) {
      full.submit({ agentId: `agent-${i}`, principalId: 'p', trustScore: i, event: 'SCORE_UPDATE' });
    }
    await waitFor(() => applied === count, 20_000, 'every commit at the light node');
    const stats = internals(light).store.stats();
    assert.ok(
      internals(full).store.stats().bytes > 4 * budget,
      `the stream (${internals(full).store.stats().bytes} B) is several budgets`,
    );
    assert.equal(over, 0, 'never over budget after a commit');
    assert.ok(stats.bytes <= budget);
    assert.ok(stats.evicted > 0);
    assert.ok(light.record(`agent-${count - 1}`, 'p'), 'the newest record is kept');
    assert.equal(light.record('agent-0', 'p'), null, 'the oldest was evicted');
    // Evicted records are fetched again on demand.
    assert.equal((await light.lookupRecord('agent-0', 'p'))?.trustScore, 0);
  });

  test('a light node that was cut off refreshes what it holds when it reaches a full node again', async () => {
    // A 40, B 60: B alone is a majority, so it commits while A (the light node's only peer) is down.
    mesh = new TestMesh(testNetwork([40, 60, 0]));
    const a = await mesh.start(testKeyPair(0));
    const b = await mesh.start(testKeyPair(1));
    await mesh.link(a, b);
    await b.whenSettled(
      b.submit({ agentId: 'x', principalId: 'p', trustScore: 500, event: 'REGISTRATION' }).id,
    );
    const light = await mesh.start(testKeyPair(2), { type: 'light' });
    await mesh.link(light, a);
    assert.equal((await light.lookupRecord('x', 'p'))?.trustScore, 500);
    await a.stop();
    await waitFor(() => light.connectedPeers().length === 0, 5_000, 'light node offline');
    const later = await b.whenSettled(
      b.submit({ agentId: 'x', principalId: 'p', trustScore: 999, event: 'SCORE_UPDATE' }).id,
    );
    assert.equal(later.state, 'committed');
    assert.equal(light.record('x', 'p')?.trustScore, 500, 'missed while offline');
    await mesh.link(light, b);
    await waitFor(() => light.record('x', 'p')?.trustScore === 999, 5_000, 'refresh after reconnecting');
  });

  test('a full node that leaves out a revocation is outvoted by a second full node: the light node merges both', async () => {
    mesh = new TestMesh(testNetwork([100, 0, 0]));
    const full = await mesh.start(testKeyPair(0));
    await full.whenSettled(
      full.submit({ agentId: 'a', principalId: 'p', trustScore: 640, event: 'REGISTRATION' }).id,
    );
    full.revoke({ agentId: 'a', principalId: 'p', reason: 'compromised' });
    const light = await mesh.start(testKeyPair(1), { type: 'light' });
    // The liar serves only the genuine commit: every signature in its answer holds; it just omits the revocation.
    const liar = await RawPeer.connect(light.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await liar.handshake();
    await waitFor(() => light.isConnectedTo(liar.signer.nodeId), 2_000, 'liar connected');
    liar.socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Query;
      if (message.type !== 'QUERY') return;
      const entries = internals(full)
        .store.entriesFor('a', 'p', undefined, 10)
        .entries.filter((entry) => entry.type === 'COMMIT');
      liar.sendJson({ type: 'QUERY_RESULT', version: '1.0', id: message.id, entries } satisfies QueryResult);
    });
    await mesh.link(light, full);
    const record = await light.lookupRecord('a', 'p');
    assert.equal(record?.revoked, true, 'the honest full node’s revocation is in the merged answer');
    assert.deepEqual(record, full.record('a', 'p'));
  });
});
