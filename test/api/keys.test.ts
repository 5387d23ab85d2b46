// GET /v1/keys: the public keys a bridge's registry holds by node id, which verifying a commit's compact votes
// outside a node (the explorer, a client) needs. A real bridge over its network file.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TrustMeshClient } from '../../src/client/client.js';
import { testNetwork, testSigner } from '../support/fixtures.js';
import { ApiMesh, call, reader } from './support.js';

describe('GET /v1/keys', () => {
  let mesh: ApiMesh;
  afterEach(async () => mesh.cleanup());

  it("lists the network file's keys by node id, sorted, for a read token only", async () => {
    mesh = new ApiMesh(testNetwork([10, 10, 0]));
    const { api } = await mesh.bridge(0);
    const expected = [0, 1, 2]
      .map((index) => ({ nodeId: testSigner(index).nodeId, publicKey: testSigner(index).publicKey }))
      .sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
    const answer = await call(api.url, '/v1/keys', { token: reader.token });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { keys: expected });
    assert.equal((await call(api.url, '/v1/keys')).status, 401);
    const client = new TrustMeshClient({ baseUrl: api.url, token: reader.token });
    assert.deepEqual(await client.keys(), expected);
  });
});
