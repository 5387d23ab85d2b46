// Acceptance test of wss:// (issue #2, item 7): nodes given a certificate and key serve TLS, nodes trusting its CA
// connect and gossip over it, and a client that does not trust the certificate is refused at the TLS layer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { internals } from '../../src/node/internals.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { selfSigned } from '../support/certs.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

describe('TLS: wss:// between nodes that trust the certificate', { timeout: 60_000 }, () => {
  const mesh = new TestMesh(testNetwork([10, 10, 10]));
  let tls: { cert: Buffer; key: Buffer };
  let server: TrustMeshNode;
  let client: TrustMeshNode;

  before(async () => {
    tls = selfSigned(mesh.tempDir());
    server = await mesh.start(testKeyPair(0), { tls, tlsCa: tls.cert });
    client = await mesh.start(testKeyPair(1), { tls, tlsCa: tls.cert });
  });
  after(() => mesh.cleanup());

  test('a node with a certificate and key listens on wss://', () => {
    assert.match(server.endpoint, /^wss:\/\/127\.0\.0\.1:\d+\/mesh$/);
  });

  test('two TLS nodes connect over wss:// and exchange messages both ways', async () => {
    await mesh.link(client, server);
    const got = (node: TrustMeshNode) => {
      const ids = new Set<string>();
      node.on('message', (message) => {
        if ('id' in message) ids.add(message.id);
      });
      return ids;
    };
    const atServer = got(server);
    const atClient = got(client);
    const subject = { kind: 'network' as const, id: 'test-net' };
    const up = client.alert({ severity: 'info', subject, summary: 'over wss, up' });
    const down = server.alert({ severity: 'info', subject, summary: 'over wss, down' });
    await waitFor(() => atServer.has(up.id) && atClient.has(down.id), 5_000, 'both alerts');
    assert.equal(client.peerSummaries()[0]?.address, server.endpoint);
  });

  test('a client that does not trust the certificate is refused at the TLS layer', async () => {
    await assert.rejects(
      RawPeer.connect(server.endpoint, testKeyPair(2), mesh.network.networkId, mesh),
      (error: NodeJS.ErrnoException) => error.code === 'DEPTH_ZERO_SELF_SIGNED_CERT',
    );
    // A node without the CA keeps failing to dial, and never gets as far as a handshake.
    const untrusting = await mesh.start(testKeyPair(2));
    untrusting.addPeer(server.endpoint);
    const [target] = internals(untrusting).peers.targetList();
    await waitFor(() => target?.lastError !== undefined, 5_000, 'a failed dial');
    assert.match(String(target?.lastError), /self-signed certificate/);
    assert.equal(server.isConnectedTo(untrusting.nodeId), false);
    // Plain ws:// to the TLS port does not get a WebSocket either.
    await assert.rejects(
      RawPeer.connect(
        server.endpoint.replace('wss://', 'ws://'),
        testKeyPair(2),
        mesh.network.networkId,
        mesh,
      ),
    );
  });
});
