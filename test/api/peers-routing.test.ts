// GET /v1/peers shows, besides the connected peers, the routing table discovery built: its fill per bucket.
// Real nodes on 127.0.0.x with discovery on, and a bridge API in front of one of them.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FAST } from '../support/discovery.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { waitFor } from '../support/mesh.js';
import { ApiMesh, call, reader } from './support.js';

describe('GET /v1/peers routing', () => {
  let mesh: ApiMesh;
  afterEach(async () => mesh.cleanup());

  it('reports the routing table size and fill per bucket', async () => {
    mesh = new ApiMesh(testNetwork([1, 1, 1]));
    const a = await mesh.start(testKeyPair(1), { host: '127.0.0.2', discovery: FAST });
    const b = await mesh.start(testKeyPair(2), { host: '127.0.0.3', peers: [a.endpoint], discovery: FAST });
    const { node, api } = await mesh.bridge(
      0,
      {},
      { host: '127.0.0.4', peers: [b.endpoint], discovery: FAST },
    );
    // b is dialled by the node, so reached; a may be dialled either way, so the table holds one or two.
    await waitFor(() => node.isConnectedTo(a.nodeId) && node.routingTable().lookups >= 1, 10_000, 'a found');
    const answer = await call(api.url, '/v1/peers', { token: reader.token });
    assert.equal(answer.status, 200);
    const routing = answer.body.routing as { size: number; buckets: Array<{ index: number; size: number }> };
    const table = node.routingTable();
    assert.ok(routing.size >= 1);
    assert.equal(routing.size, table.size);
    assert.deepEqual(routing.buckets, table.buckets);
    assert.equal(
      routing.buckets.reduce((sum, bucket) => sum + bucket.size, 0),
      routing.size,
    );
    assert.equal((answer.body.peers as unknown[]).length, 2);
  });
});
