import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { TrustMeshError } from '../../../src/core/errors.js';
import { testKeyPair, testNetwork } from '../../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../../support/mesh.js';

describe('readiness while syncing', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('a syncing full node refuses light-node queries at once, and is ready alone after its grace', async () => {
    mesh = new TestMesh(testNetwork([100, 0]));
    const full = await mesh.start(testKeyPair(0), { sync: { aloneGraceMs: 1_500 } });
    assert.equal(full.syncStatus().state, 'syncing');
    const metrics = () => full.metrics.registry.getSingleMetricAsString('trustmesh_sync_state');
    assert.match(await metrics(), /trustmesh_sync_state 0/);
    const light = await mesh.start(testKeyPair(1), { type: 'light' });
    assert.equal(light.syncStatus().ready, true, 'a light node downloads no blocks');
    await mesh.link(light, full);
    const asked = Date.now();
    await assert.rejects(
      light.lookupRecord('agent', 'p'),
      (error: unknown) => error instanceof TrustMeshError && error.code === 'TM_ERR_NO_FULL_NODE',
    );
    assert.ok(Date.now() - asked < 1_000, 'refused, not timed out');
    await waitFor(() => full.syncStatus().ready, 5_000, 'ready alone');
    assert.match(await metrics(), /trustmesh_sync_state 1/);
    const record = await full.whenSettled(
      full.submit({ agentId: 'agent', principalId: 'p', trustScore: 640, event: 'REGISTRATION' }).id,
    );
    assert.equal(record.state, 'committed');
    assert.equal((await light.lookupRecord('agent', 'p'))?.trustScore, 640);
  });

  test('a node whose only full peer left before it could compare is not ready after the grace: it is cut off', async () => {
    mesh = new TestMesh(testNetwork([100, 100]));
    const node = await mesh.start(testKeyPair(0), { sync: { aloneGraceMs: 1_000, requestTimeoutMs: 300 } });
    // A full peer that never answers a sync request, then leaves.
    const peer = await RawPeer.connect(node.endpoint, testKeyPair(1), mesh.network.networkId, mesh);
    await peer.handshake();
    await waitFor(() => node.isConnectedTo(peer.signer.nodeId), 2_000, 'the peer established');
    peer.close();
    await waitFor(() => node.connectedPeers().length === 0, 2_000, 'the peer gone');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(node.syncStatus().ready, false, 'not ready: it had a peer and compared with none');
    assert.equal(node.syncStatus().state, 'syncing');
  });
});
