// Bad and unauthorised requests against a real bridge over real HTTP: every one gets a 4xx with a stable code
// (and the field at fault), and none of them changes the node's ledger.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BridgeApi } from '../../src/api/server.js';
import { TrustMeshClient } from '../../src/client/client.js';
import { internals } from '../../src/node/internals.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testNetwork } from '../support/fixtures.js';
import { ApiMesh, call, event, reader, submitCommitted, writer } from './support.js';

describe('bridge API: authentication, authorisation and bad input', () => {
  const mesh = new ApiMesh(testNetwork([100]));
  let node: TrustMeshNode;
  let api: BridgeApi;
  let publicApi: BridgeApi;

  before(async () => {
    ({ node, api } = await mesh.bridge(0, { bodyLimitBytes: 1024 }));
    publicApi = await mesh.serve(node, { publicReads: true });
  });
  after(() => mesh.cleanup());

  test('no token on a write: 401 TM_ERR_UNAUTHORIZED with a WWW-Authenticate challenge', async () => {
    const answer = await call(api.url, '/v1/events', { body: event() });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.code, 'TM_ERR_UNAUTHORIZED');
    assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer/);
  });

  test('an unknown token: 401, on reads too, even when reads are public', async () => {
    for (const base of [api.url, publicApi.url]) {
      const answer = await call(base, '/v1/status', { token: 'tm_not-a-real-token' });
      assert.equal(answer.status, 401);
      assert.equal(answer.body.code, 'TM_ERR_UNAUTHORIZED');
    }
    const malformed = await call(api.url, '/v1/status', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(malformed.status, 401);
  });

  test('a read token writing: 403 TM_ERR_FORBIDDEN naming the missing scope', async () => {
    for (const path of ['/v1/events', '/v1/revocations']) {
      const answer = await call(api.url, path, { token: reader.token, body: event({ reason: 'x' }) });
      assert.equal(answer.status, 403, path);
      assert.equal(answer.body.code, 'TM_ERR_FORBIDDEN');
      assert.match(String(answer.body.message), /write/);
    }
  });

  test('anonymous reads: 401 when publicReads is off, 200 when on; anonymous writes never', async () => {
    const closed = await call(api.url, '/v1/status');
    assert.equal(closed.status, 401);
    assert.equal(closed.body.code, 'TM_ERR_UNAUTHORIZED');
    const open = await call(publicApi.url, '/v1/status');
    assert.equal(open.status, 200);
    assert.equal(open.body.nodeId, node.nodeId);
    const write = await call(publicApi.url, '/v1/events', { body: event() });
    assert.equal(write.status, 401);
    const health = await call(api.url, '/healthz');
    assert.equal(health.status, 200, 'the health check needs no token');
  });

  test('malformed bodies: 400 TM_ERR_BAD_REQUEST naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ principalId: 'p', trustScore: 1, event: 'REGISTRATION' }, 'agentId'],
      [event({ event: 'NOT_AN_EVENT' }), 'event'],
      [event({ agentId: '' }), 'agentId'],
      [event({ principalId: 'bad\u0001id' }), 'principalId'],
      [event({ principalId: '..' }), 'principalId'],
      [event({ extra: true }), 'extra'],
      [event({ agentId: 42 }), 'agentId'],
    ];
    for (const [body, field] of cases) {
      const answer = await call(api.url, '/v1/events', { token: writer.token, body });
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.code, 'TM_ERR_BAD_REQUEST', JSON.stringify(answer.body));
      assert.equal(answer.body.field, field);
      assert.match(String(answer.body.message), new RegExp(field));
    }
    const revocation = await call(api.url, '/v1/revocations', {
      token: writer.token,
      body: { agentId: 'a', principalId: 'p' },
    });
    assert.equal(revocation.status, 400);
    assert.equal(revocation.body.field, 'reason');
  });

  test('not JSON, an empty body, or another content type: 400', async () => {
    const notJson = await call(api.url, '/v1/events', { token: writer.token, raw: '{"agentId": ' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.code, 'TM_ERR_BAD_REQUEST');
    const empty = await call(api.url, '/v1/events', { token: writer.token, raw: '' });
    assert.equal(empty.status, 400);
    const text = await call(api.url, '/v1/events', {
      token: writer.token,
      raw: 'agentId=a',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(text.status, 400);
    assert.equal(text.body.code, 'TM_ERR_BAD_REQUEST');
  });

  test('a score out of range or not an integer: 400 with the codes validators vote with', async () => {
    for (const trustScore of [-1, 1001, 1e9]) {
      const answer = await call(api.url, '/v1/events', { token: writer.token, body: event({ trustScore }) });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.code, 'TM_ERR_SCORE_OUT_OF_RANGE');
      assert.equal(answer.body.field, 'trustScore');
    }
    for (const trustScore of [7.5, '750', null]) {
      const answer = await call(api.url, '/v1/events', { token: writer.token, body: event({ trustScore }) });
      assert.equal(answer.status, 400, String(trustScore));
      assert.equal(answer.body.code, 'TM_ERR_SCORE_NOT_INTEGER');
    }
  });

  test('an oversized body: 413 TM_ERR_PAYLOAD_TOO_LARGE', async () => {
    const answer = await call(api.url, '/v1/events', {
      token: writer.token,
      body: event({ agentId: 'a'.repeat(2048) }),
    });
    assert.equal(answer.status, 413);
    assert.equal(answer.body.code, 'TM_ERR_PAYLOAD_TOO_LARGE');
  });

  test('bad paths and query strings: 400 naming the parameter; unknown records and routes: 404', async () => {
    const page = await call(api.url, '/v1/agents/a/principals/p/history?limit=5000', { token: reader.token });
    assert.equal(page.status, 400);
    assert.equal(page.body.field, 'limit');
    const words = await call(api.url, '/v1/agents/a/principals/p/history?offset=soon', {
      token: reader.token,
    });
    assert.equal(words.body.field, 'offset');
    const control = await call(api.url, '/v1/agents/a%01b', { token: reader.token });
    assert.equal(control.status, 400);
    assert.equal(control.body.field, 'agentId');
    const missing = await call(api.url, '/v1/agents/nobody/principals/none', { token: reader.token });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'TM_ERR_NOT_FOUND');
    const update = await call(api.url, '/v1/updates/no-such-update', { token: reader.token });
    assert.equal(update.status, 404);
    const route = await call(api.url, '/v2/anything', { token: reader.token });
    assert.equal(route.status, 404);
    assert.equal(route.body.code, 'TM_ERR_NOT_FOUND');
  });

  test('none of the refused requests reached the ledger', () => {
    assert.equal(internals(node).store.size(), 0);
    assert.equal(node.status().pendingProposals, 0);
  });

  test('past the rate limit: 429 TM_ERR_RATE_LIMITED with Retry-After, per token and per address', async () => {
    const limited = await mesh.serve(node, { rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++)
      assert.equal((await call(limited.url, '/v1/status', { token: reader.token })).status, 200);
    const refused = await call(limited.url, '/v1/status', { token: reader.token });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'TM_ERR_RATE_LIMITED');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    // Another token has its own budget; anonymous callers share their address's.
    assert.equal((await call(limited.url, '/v1/status', { token: writer.token })).status, 200);
    for (let i = 0; i < 3; i++) await call(limited.url, '/v1/status', { token: 'tm_guess' });
    const guessing = await call(limited.url, '/v1/status', { token: 'tm_guess-again' });
    assert.equal(guessing.status, 429, 'wrong tokens spend the address budget, so guessing is throttled');
  });
  test('ids with URL-special characters round-trip through the typed client', async () => {
    const client = new TrustMeshClient({ baseUrl: api.url, token: writer.token });
    for (const [agentId, principalId] of [
      ['org/agent 1', 'user?x=1#y'],
      ['ünïcödé', '%2F'],
      ['a..b', '...'],
    ] as const) {
      await submitCommitted(client, { agentId, principalId, trustScore: 10, event: 'REGISTRATION' });
      const record = await client.record(agentId, principalId);
      assert.deepEqual([record?.agentId, record?.principalId], [agentId, principalId]);
      assert.equal((await client.history(agentId, principalId)).total, 1);
      assert.equal((await client.agent(agentId)).length, 1);
    }
  });
});

describe('bridge API in front of a stopped node', () => {
  const mesh = new ApiMesh(testNetwork([100]));
  after(() => mesh.cleanup());

  test('writes answer 503 TM_ERR_NOT_RUNNING once the node has stopped', async () => {
    const { node, api } = await mesh.bridge(0);
    await node.stop();
    for (const [path, body] of [
      ['/v1/events', event()],
      ['/v1/revocations', { agentId: 'a', principalId: 'p', reason: 'r' }],
    ] as const) {
      const answer = await call(api.url, path, { token: writer.token, body });
      assert.equal(answer.status, 503, path);
      assert.equal(answer.body.code, 'TM_ERR_NOT_RUNNING');
    }
  });
});
