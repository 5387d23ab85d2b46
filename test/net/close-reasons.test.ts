// What a node makes of the close reason a peer sends: one of our codes is recorded, anything else is not, and
// a peer claiming TM_ERR_SELF_CONNECTION cannot make the node stop dialling it for good.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import type { ErrorCode } from '../../src/core/errors.js';
import { internals } from '../../src/node/internals.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

describe('close reasons sent by peers', { timeout: 60_000 }, () => {
  let mesh: TestMesh;
  let node: TrustMeshNode;
  let disconnects: Array<[string, ErrorCode | null]>;

  beforeEach(async () => {
    mesh = new TestMesh(testNetwork([10, 10, 10]));
    node = await mesh.start(testKeyPair(0));
    disconnects = [];
    node.on('peer:disconnected', (peer, code) => disconnects.push([peer, code]));
  });
  afterEach(() => mesh.cleanup());

  async function peerClosingWith(reason: string): Promise<string> {
    const peer = await RawPeer.connect(node.endpoint, testKeyPair(1), mesh.network.networkId, mesh);
    await peer.handshake();
    await waitFor(() => node.isConnectedTo(peer.signer.nodeId), 2_000, 'established');
    peer.socket.close(1008, reason);
    await waitFor(() => disconnects.length > 0, 2_000, 'peer:disconnected');
    return peer.signer.nodeId;
  }

  test('a close reason that is one of our codes is recorded', async () => {
    const id = await peerClosingWith('TM_ERR_PEER_TIMEOUT');
    assert.deepEqual(disconnects, [[id, 'TM_ERR_PEER_TIMEOUT']]);
  });

  test('a made-up TM_ERR_ reason is not taken as a code (it would become a metrics label)', async () => {
    const id = await peerClosingWith('TM_ERR_MADE_UP_BY_THE_PEER_1234');
    assert.deepEqual(disconnects, [[id, null]]);
  });

  test('an endpoint claiming TM_ERR_SELF_CONNECTION is not retired: only the node can tell it dialled itself', async () => {
    const impostor = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(impostor, 'listening');
    let accepted = 0;
    impostor.on('connection', (socket) => {
      accepted++;
      socket.close(1008, 'TM_ERR_SELF_CONNECTION');
    });
    try {
      node.addPeer(`ws://127.0.0.1:${(impostor.address() as AddressInfo).port}/mesh`);
      const [target] = internals(node).peers.targetList();
      await waitFor(() => accepted >= 2, 10_000, 'the node to dial again');
      assert.equal(target?.retired, false);
    } finally {
      for (const client of impostor.clients) client.terminate();
      await new Promise((resolve) => impostor.close(resolve));
    }
  });
});
