// A light node's queries end when the asked full node leaves, not at their deadline: the next one is asked at once.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Query } from '../../src/core/messages/schemas.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { captureLogger, RawPeer, TestMesh, waitFor } from '../support/mesh.js';

describe('light lookups', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('a full node that disconnects instead of answering ends its query; the next full node answers', async () => {
    mesh = new TestMesh(testNetwork([100, 0, 0]));
    const full = await mesh.start(testKeyPair(0));
    await full.whenSettled(
      full.submit({ agentId: 'a', principalId: 'p', trustScore: 640, event: 'REGISTRATION' }).id,
    );
    const { logger, records } = captureLogger();
    const light = await mesh.start(testKeyPair(1), { type: 'light' }, { logger });
    // Connected first, so asked first; it hangs up on the QUERY.
    const leaver = await RawPeer.connect(light.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await leaver.handshake();
    await waitFor(() => light.isConnectedTo(leaver.signer.nodeId), 2_000, 'leaver connected');
    await mesh.link(light, full);
    leaver.socket.on('message', (data) => {
      if ((JSON.parse(data.toString()) as Query).type === 'QUERY') leaver.close();
    });
    assert.equal((await light.lookupRecord('a', 'p'))?.trustScore, 640);
    const unanswered = records.filter((r) => r.msg === 'full node did not answer a query');
    assert.deepEqual(
      unanswered.map((r) => r.code),
      ['TM_ERR_PEER_DISCONNECTED'],
      'ended by the disconnect, not by its deadline',
    );
  });
});
