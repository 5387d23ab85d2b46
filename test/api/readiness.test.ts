// Readiness in the bridge API (issue 14, Build 5): /readyz answers 503 while the node catches up and 200 once it
// has, /v1/status shows the sync progress, and every answer (SSE included) says whether the node was in sync.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { formatStatus } from '../../src/cli/human-output.js';
import { TrustMeshClient } from '../../src/client/client.js';
import { testNetwork } from '../support/fixtures.js';
import { waitFor } from '../support/mesh.js';
import { ApiMesh, call, reader } from './support.js';

/** The headers of an SSE stream's answer; the stream is closed at once. */
async function streamHeaders(url: string): Promise<Headers> {
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/stream`, {
    headers: { authorization: `Bearer ${reader.token}` },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  controller.abort();
  await response.body?.cancel().catch(() => {});
  return response.headers;
}

const READS = [
  '/v1/agents/agent-1',
  '/v1/agents/agent-1/principals/p',
  '/v1/agents/agent-1/principals/p/history',
  '/v1/updates/0000000000000000000000000000000000000000000000000000000000000000',
  '/v1/status',
  '/v1/peers',
  '/healthz',
];

describe('bridge readiness while syncing', { timeout: 30_000 }, () => {
  let mesh: ApiMesh;
  afterEach(() => mesh.cleanup());

  test('/readyz is 503 with the progress until caught up, then 200; every answer says which', async () => {
    mesh = new ApiMesh(testNetwork([50, 50]));
    // No peer and a long grace: the bridge stays syncing until a full peer is reachable.
    const { node, api } = await mesh.bridge(0, {}, { sync: { aloneGraceMs: 60_000 } });
    assert.equal(node.syncStatus().ready, false);

    const waiting = await call(api.url, '/readyz');
    assert.equal(waiting.status, 503);
    assert.equal(waiting.body.code, 'TM_ERR_SYNCING');
    assert.match(String(waiting.body.message), /catching up.*0 of 0 blocks/);
    const progress = waiting.body.sync as Record<string, unknown>;
    assert.equal(progress.state, 'syncing');
    assert.equal(progress.ready, false);
    assert.equal(typeof progress.startedAt, 'string');
    assert.equal(waiting.headers.get('x-trust-mesh-sync'), 'syncing');
    assert.equal((await call(api.url, '/healthz')).status, 200, 'liveness is not readiness');

    for (const path of READS) {
      const answer = await call(api.url, path, { token: reader.token });
      assert.equal(answer.headers.get('x-trust-mesh-sync'), 'syncing', path);
    }
    assert.equal((await streamHeaders(api.url)).get('x-trust-mesh-sync'), 'syncing');
    const client = new TrustMeshClient({ baseUrl: api.url, token: reader.token });
    const syncing = await client.status();
    assert.equal(syncing.sync.state, 'syncing');
    assert.equal(syncing.sync.ready, false);
    assert.match(
      formatStatus(syncing),
      /^sync\s+syncing 0\/0 blocks, 0 entries, 0 entries\/s \(not ready\)$/m,
    );

    // A ready full peer: one comparison round with it and the bridge has caught up.
    const peer = await mesh.bridge(1);
    assert.equal(peer.node.syncStatus().ready, true);
    await mesh.link(node, peer.node);
    await waitFor(() => node.syncStatus().ready, 10_000, 'the bridge caught up');

    const ready = await call(api.url, '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ready');
    assert.equal(ready.body.nodeId, node.nodeId);
    assert.equal(ready.body.peers, 1);
    assert.equal((ready.body.sync as Record<string, unknown>).state, 'synced');
    assert.equal(typeof (ready.body.sync as Record<string, unknown>).finishedAt, 'string');
    for (const path of READS) {
      const answer = await call(api.url, path, { token: reader.token });
      assert.equal(answer.headers.get('x-trust-mesh-sync'), 'synced', path);
      assert.equal(answer.headers.get('x-trust-mesh-node'), node.nodeId, path);
    }
    assert.equal((await streamHeaders(api.url)).get('x-trust-mesh-sync'), 'synced');
    const synced = await client.status();
    assert.equal(synced.sync.state, 'synced');
    assert.equal(synced.sync.ready, true);
    assert.ok(synced.sync.lastRoundAt, 'the round that caught it up is dated');
    assert.match(formatStatus(synced), /^sync\s+synced \(\d+\/\d+ blocks, \d+ entries fetched\)$/m);
  });
});
