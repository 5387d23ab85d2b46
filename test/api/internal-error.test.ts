// A failure inside the bridge (here: the node's SQLite store closed under a running node) answers 500
// TM_ERR_INTERNAL with a generic message and a request id; the store's own message reaches the log only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BridgeApi } from '../../src/api/server.js';
import { TrustMeshClient } from '../../src/client/client.js';
import { internals } from '../../src/node/internals.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testNetwork } from '../support/fixtures.js';
import { captureLogger, waitFor } from '../support/mesh.js';
import { ApiMesh, call, reader } from './support.js';

describe('bridge API: internal failures', () => {
  const mesh = new ApiMesh(testNetwork([100]));
  const log = captureLogger();
  let node: TrustMeshNode;
  let api: BridgeApi;

  before(async () => {
    // No engine ticks: a tick meeting the failed store would (rightly) fail-stop the node, and the API would
    // answer 503; here only the API's own reads meet the failure.
    ({ node, api } = await mesh.bridge(0, { logger: log.logger }, { tickMs: 600_000 }));
    node.revoke({ agentId: 'a', principalId: 'p', reason: 'r' });
    // A real storage failure: the store is shut while the node (and so the API's gate) still runs.
    internals(node).store.close();
  });
  after(() => mesh.cleanup());

  test('a storage failure: 500 TM_ERR_INTERNAL, a generic message and a request id; details in the log', async () => {
    for (const path of ['/v1/status', '/v1/agents/a/principals/p/history']) {
      const answer = await call(api.url, path, { token: reader.token });
      assert.equal(answer.status, 500, path);
      assert.equal(answer.body.code, 'TM_ERR_INTERNAL', JSON.stringify(answer.body));
      const requestId = String(answer.body.requestId);
      assert.match(requestId, /^[0-9a-f-]{36}$/);
      assert.equal(answer.headers.get('x-request-id'), requestId);
      assert.match(String(answer.body.message), new RegExp(`^internal error; .*${requestId}$`));
      assert.doesNotMatch(JSON.stringify(answer.body), /store|closed|sqlite/i, 'no storage detail leaks');

      const logged = () => log.records.find((record) => record.requestId === requestId);
      await waitFor(() => logged() !== undefined, 5_000, 'the log line with the request id');
      assert.equal(logged()?.level, 50, 'logged as an error');
      assert.match(JSON.stringify(logged()?.err), /TM_ERR_STORE.*the store is closed/);
    }
  });

  test('the client hands over the request id', async () => {
    const client = new TrustMeshClient({ baseUrl: api.url, token: reader.token });
    await assert.rejects(client.status(), (error: Error & { code?: string; requestId?: string }) => {
      assert.equal(error.code, 'TM_ERR_INTERNAL');
      assert.match(error.requestId ?? '', /^[0-9a-f-]{36}$/);
      return true;
    });
  });
});
