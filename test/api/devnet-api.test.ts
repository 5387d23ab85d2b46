// The devnet's bridge API (what `trust-mesh devnet` prints): node 0 serves it with a fresh read/write token,
// an event submitted there commits across the devnet, and stop() closes the API with the nodes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TrustMeshClient } from '../../src/client/client.js';
import { Devnet } from '../../src/devnet/devnet.js';
import { eventually, submitCommitted } from './support.js';

describe('devnet with the bridge API', () => {
  let devnet: Devnet;

  before(async () => {
    devnet = await Devnet.start({ nodes: 3, api: true });
    await devnet.waitForMesh();
  });
  after(() => devnet?.stop());

  test('node 0 (the bridge) serves the API; its token submits, and the update commits on every node', async () => {
    const api = devnet.api!;
    assert.equal(api.member.role, 'bridge');
    assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new TrustMeshClient({ baseUrl: api.url, token: api.token });
    await submitCommitted(client, {
      agentId: 'devnet-agent',
      principalId: 'devnet-user',
      trustScore: 900,
      event: 'VERIFICATION_SUCCESS',
    });
    await eventually(
      async () =>
        devnet.nodes.every((node) => node.record('devnet-agent', 'devnet-user')?.trustScore === 900),
      10_000,
      'the record on every node',
    );
    await assert.rejects(
      new TrustMeshClient({ baseUrl: api.url }).status(),
      (error: Error & { code?: string }) => error.code === 'TM_ERR_UNAUTHORIZED',
    );
  });

  test('a devnet started without `api` serves none', async () => {
    const plain = await Devnet.start({ nodes: 1 });
    try {
      assert.equal(plain.api, null);
    } finally {
      await plain.stop();
    }
  });
});
