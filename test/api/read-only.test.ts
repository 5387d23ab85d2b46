// A full node's read-only endpoint (--admin-port, issue 18 Build 2): the API's reads for anyone on loopback, any
// token ignored, writes refused with 403, so the CLI's status/get/watch work against every node type.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BridgeApi } from '../../src/api/server.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { ApiMesh } from './support.js';

describe('read-only API on a full node', () => {
  const mesh = new ApiMesh(testNetwork([100]));
  let node: TrustMeshNode;
  let api: BridgeApi;
  before(async () => {
    node = await mesh.start(testKeyPair(0), { type: 'full' });
    api = await mesh.serve(node, { readOnly: true, tokens: [] });
    const record = node.submit({ agentId: 'ro', principalId: 'p', trustScore: 9, event: 'REGISTRATION' });
    assert.equal((await node.whenSettled(record.id)).state, 'committed');
  });
  after(() => mesh.cleanup());

  test('reads answer without a token, and with any token', async () => {
    const anyToken: Array<Record<string, string>> = [{}, { authorization: 'Bearer tm_not-a-token' }];
    for (const headers of anyToken) {
      const status = await fetch(`${api.url}/v1/status`, { headers });
      assert.equal(status.status, 200);
      assert.equal(((await status.json()) as { type: string }).type, 'full');
      const record = await fetch(`${api.url}/v1/agents/ro/principals/p`, { headers });
      assert.equal(record.status, 200);
      assert.equal(((await record.json()) as { trustScore: number }).trustScore, 9);
    }
  });

  test('writes are refused with 403, naming the endpoint', async () => {
    const write = await fetch(`${api.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer tm_x' },
      body: JSON.stringify({ agentId: 'ro', principalId: 'p', trustScore: 1, event: 'SCORE_UPDATE' }),
    });
    assert.equal(write.status, 403);
    const body = (await write.json()) as { code: string; message: string };
    assert.equal(body.code, 'TM_ERR_FORBIDDEN');
    assert.match(body.message, /read-only endpoint \(--admin-port\)/);
    assert.equal(node.latestSeq(), 1, 'nothing was proposed');
  });
});
