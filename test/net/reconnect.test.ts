// Acceptance test of reconnection in one process (issue #2, item 8): a node stopped and restarted with the same
// key, data directory and port is dialled again by its peer, with backoff, and the link is back within 10 s.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { internals } from '../../src/node/internals.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { TestMesh, waitFor } from '../support/mesh.js';

describe('reconnection after a restart', { timeout: 60_000 }, () => {
  let mesh: TestMesh;
  beforeEach(() => {
    mesh = new TestMesh(testNetwork([10, 10]));
  });
  afterEach(() => mesh.cleanup());

  const linked = (a: TrustMeshNode, b: TrustMeshNode) =>
    a.isConnectedTo(b.nodeId) && b.isConnectedTo(a.nodeId);

  test('a peer that went away and came back on the same port is reconnected within 10 s', async () => {
    const dataDir = mesh.tempDir();
    let listener = await mesh.start(testKeyPair(0), { dataDir });
    const port = listener.port;
    const dialler = await mesh.start(testKeyPair(1), { peers: [listener.endpoint] });
    await waitFor(() => linked(listener, dialler), 5_000, 'the first connection');
    listener.revoke({ agentId: 'agent-r', principalId: 'p', reason: 'before the restart' });
    await waitFor(() => dialler.record('agent-r', 'p')?.revoked === true, 5_000, 'the revocation');

    await listener.stop();
    await waitFor(() => !dialler.isConnectedTo(listener.nodeId), 5_000, 'the dialler to notice');
    // Let a few dials fail so the backoff has grown before the node comes back.
    const [target] = internals(dialler).peers.targetList();
    assert.ok(target);
    await waitFor(() => target.attempt >= 3, 10_000, 'three failed dials');

    listener = await mesh.start(testKeyPair(0), { dataDir, port });
    const restartedAt = Date.now();
    assert.equal(listener.endpoint, target.url);
    await waitFor(() => linked(listener, dialler), 10_000, 'the reconnection');
    const took = Date.now() - restartedAt;
    assert.ok(took < 10_000, `reconnected after ${took} ms`);
    assert.equal(listener.record('agent-r', 'p')?.revoked, true, 'the restarted node kept its data');

    // And the link carries messages again.
    const after = listener.revoke({ agentId: 'agent-s', principalId: 'p', reason: 'after the restart' });
    await waitFor(() => dialler.record('agent-s', 'p')?.revoked === true, 5_000, `revocation ${after.id}`);
  });

  test('a restarted dialler connects again at once', async () => {
    const listener = await mesh.start(testKeyPair(0));
    const dataDir = mesh.tempDir();
    let dialler = await mesh.start(testKeyPair(1), { dataDir, peers: [listener.endpoint] });
    await waitFor(() => linked(listener, dialler), 5_000, 'the first connection');
    await dialler.stop();
    await waitFor(() => !listener.isConnectedTo(dialler.nodeId), 5_000, 'the listener to notice');
    dialler = await mesh.start(testKeyPair(1), { dataDir, peers: [listener.endpoint] });
    await waitFor(() => linked(listener, dialler), 10_000, 'the reconnection');
  });
});
