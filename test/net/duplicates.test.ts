// Two nodes that dial each other at once end up with one connection, the same one at both ends, and stop
// making new duplicates: each dialler learns which node its endpoint is, even when its own dial lost.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { internals } from '../../src/node/internals.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { TestMesh, waitFor } from '../support/mesh.js';

describe('duplicate connections', { timeout: 60_000 }, () => {
  const mesh = new TestMesh(testNetwork([10, 10]));
  after(() => mesh.cleanup());

  test('simultaneous dials keep one connection, both diallers stand down, and a drop is redialled', async () => {
    const a = await mesh.start(testKeyPair(0));
    const b = await mesh.start(testKeyPair(1));
    a.addPeer(b.endpoint);
    b.addPeer(a.endpoint);
    const [toB] = internals(a).peers.targetList();
    const [toA] = internals(b).peers.targetList();
    assert.ok(toA && toB);
    const settled = () =>
      a.isConnectedTo(b.nodeId) &&
      b.isConnectedTo(a.nodeId) &&
      !toB.connecting &&
      !toA.connecting &&
      internals(a).peers.openSockets().length === 1 &&
      internals(b).peers.openSockets().length === 1;
    await waitFor(settled, 5_000, 'both dials to finish, one connection left at each end');
    const atA = internals(a).peers.session(b.nodeId)!;
    const atB = internals(b).peers.session(a.nodeId)!;
    assert.notEqual(atA.connection.outbound, atB.connection.outbound, 'both ends kept the same connection');
    // The losing dialler knows its endpoint is a connected node, so dial() waits instead of making a duplicate.
    assert.equal(toB.nodeId, b.nodeId);
    assert.equal(toA.nodeId, a.nodeId);

    // When the one connection drops, the diallers bring it back.
    internals(a).peers.disconnect(b.nodeId, 'TM_ERR_PEER_TIMEOUT');
    await waitFor(() => !b.isConnectedTo(a.nodeId), 2_000, 'the drop');
    await waitFor(settled, 10_000, 'the reconnection');
  });
});
