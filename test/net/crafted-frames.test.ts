import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

describe('frames crafted to break the decoder', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('objects in place of strings, before or after the handshake, cost the sender only its connection', async () => {
    mesh = new TestMesh(testNetwork([100, 100]));
    const node = await mesh.start(testKeyPair(0));
    const early = await RawPeer.connect(node.endpoint, testKeyPair(1), mesh.network.networkId, mesh);
    early.sendText('{"type":"PING","version":{"toString":1}}');
    early.sendText('{"type":{"toString":1}}');
    await early.waitForClose();
    const late = await RawPeer.connect(node.endpoint, testKeyPair(1), mesh.network.networkId, mesh);
    await late.handshake();
    late.sendText('{"type":"TRUST_UPDATE","version":{"valueOf":1,"toString":1}}');
    late.sendText(JSON.stringify({ type: 'PING', timestamp: new Date().toISOString() }));
    // Still alive and serving: the ignored frame did not cost the connection, and a PING is answered.
    await waitFor(() => late.received.some((m) => m.type === 'PONG'), 5_000, 'a PONG');
    assert.equal(node.running, true);
  });
});
