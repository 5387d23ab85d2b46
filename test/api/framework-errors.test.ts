// Errors raised by fastify itself, before any route runs (bad URL encoding, over-long parameters, broken bodies,
// foreign media types), answer in the API's own error shape and never quote the request back.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { BridgeApi } from '../../src/api/server.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testNetwork } from '../support/fixtures.js';
import { ApiMesh, event, reader, writer } from './support.js';

/** Planted in every bad request: an answer that contains it echoed the input. */
const MARKER = 'EchoProbe7q';

interface RawAnswer {
  status: number;
  text: string;
  body: Record<string, unknown>;
}

/** One request with the exact path bytes given (fetch would normalise some of them). */
function raw(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers: options.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            body = {};
          }
          resolve({ status: response.statusCode ?? 0, text, body });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** The API's error shape, a 4xx status, a TM_ERR code, and nothing of the request in it. */
function assertOwnShape(answer: RawAnswer, status: number, what: string): void {
  assert.equal(answer.status, status, `${what}: ${answer.text.slice(0, 200)}`);
  assert.match(String(answer.body.code), /^TM_ERR_[A-Z_]+$/, what);
  assert.equal(typeof answer.body.message, 'string', what);
  for (const key of Object.keys(answer.body))
    assert.ok(['code', 'message', 'field'].includes(key), `${what}: ${key}`);
  assert.ok(!answer.text.includes(MARKER), `${what} echoed the input: ${answer.text.slice(0, 200)}`);
}

describe('bridge API: framework errors in the API error shape, never echoing input', () => {
  const mesh = new ApiMesh(testNetwork([100]));
  let node: TrustMeshNode;
  let api: BridgeApi;
  const json = (token = writer.token) => ({
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
  });

  before(async () => {
    ({ node, api } = await mesh.bridge(0));
  });
  after(() => mesh.cleanup());

  test('an over-long path parameter: 414 (past fastify), 400 naming it (past the schema)', async () => {
    const tooLong = await raw(api.url, `/v1/agents/${'a'.repeat(3000)}${MARKER}`, {
      headers: json(reader.token),
    });
    assertOwnShape(tooLong, 414, 'agentId past maxParamLength');
    assert.equal(tooLong.body.code, 'TM_ERR_BAD_REQUEST');
    const update = await raw(api.url, `/v1/updates/${'u'.repeat(3000)}${MARKER}`, {
      headers: json(reader.token),
    });
    assertOwnShape(update, 414, 'update id past maxParamLength');
    const long = await raw(api.url, `/v1/agents/${'a'.repeat(300)}${MARKER}`, {
      headers: json(reader.token),
    });
    assertOwnShape(long, 400, 'agentId past its 256 characters');
    assert.equal(long.body.field, 'agentId');
    // The longest valid id, every character percent-encoded, still reaches its route (which knows no such agent).
    const longest = await raw(api.url, `/v1/agents/${'%C3%A9'.repeat(256)}`, { headers: json(reader.token) });
    assert.equal(longest.status, 404, longest.text.slice(0, 200));
    assert.doesNotMatch(String(longest.body.message), /^no route/);
  });

  test('a bad URL encoding (%zz) in the path: 400 TM_ERR_BAD_REQUEST', async () => {
    const answer = await raw(api.url, `/v1/agents/${MARKER}%zz`, { headers: json(reader.token) });
    assertOwnShape(answer, 400, 'bad percent-encoding');
    assert.equal(answer.body.code, 'TM_ERR_BAD_REQUEST');
    const principal = await raw(api.url, `/v1/agents/a/principals/%E0%A4${MARKER}`, {
      headers: json(reader.token),
    });
    assertOwnShape(principal, 400, 'truncated UTF-8 escape');
  });

  test('a malformed JSON body: 400 TM_ERR_BAD_REQUEST', async () => {
    for (const body of [
      `{"agentId": "${MARKER}`,
      `{"${MARKER}": }`,
      `{"__proto__": {"${MARKER}": 1}, "agentId": "a"}`,
      `{"constructor": {"prototype": {"${MARKER}": 1}}}`,
    ]) {
      const answer = await raw(api.url, '/v1/events', { headers: json(), body });
      assertOwnShape(answer, 400, body);
      assert.equal(answer.body.code, 'TM_ERR_BAD_REQUEST');
    }
  });

  test('an unsupported content type: 400 TM_ERR_BAD_REQUEST', async () => {
    for (const type of [`text/${MARKER}`, `application/x-www-form-urlencoded; x=${MARKER}`, `${MARKER}`]) {
      const answer = await raw(api.url, '/v1/events', {
        headers: { ...json(), 'content-type': type },
        body: `agentId=${MARKER}`,
      });
      assertOwnShape(answer, 400, type);
      assert.equal(answer.body.code, 'TM_ERR_BAD_REQUEST');
    }
  });

  test('an unknown route or method: 404 without the path', async () => {
    for (const [method, path] of [
      ['GET', `/v1/${MARKER}`],
      ['DELETE', `/v1/events?${MARKER}=1`],
      ['PATCH', `/v1/agents/${MARKER}`],
    ] as const) {
      const answer = await raw(api.url, path, {
        method,
        headers: { authorization: `Bearer ${reader.token}` },
      });
      assertOwnShape(answer, 404, `${method} ${path}`);
    }
  });

  test('a lone surrogate in a body field: 400, and the node keeps running', async () => {
    const body = JSON.stringify(event()).replace(/"agentId":"[^"]*"/, `"agentId":"${MARKER}\\ud800"`);
    const answer = await raw(api.url, '/v1/events', { headers: json(), body });
    assertOwnShape(answer, 400, 'lone surrogate');
    assert.equal(answer.body.field, 'agentId');
    assert.equal((await raw(api.url, '/healthz')).status, 200);
    assert.equal(node.status().pendingProposals, 0);
  });

  test('lengths count UTF-16 units as on the wire: 129 emoji are 258 units, past the 256 of an agentId', async () => {
    const body = JSON.stringify({ ...event(), agentId: '😀'.repeat(129) });
    const answer = await raw(api.url, '/v1/events', { headers: json(), body });
    assertOwnShape(answer, 400, '129 emoji');
    assert.equal(answer.body.field, 'agentId');
    const path = await raw(api.url, `/v1/agents/${encodeURIComponent('😀'.repeat(129))}`, {
      headers: json(reader.token),
    });
    assertOwnShape(path, 400, '129 emoji in the path');
    assert.equal(path.body.field, 'agentId');
  });

  test('an unknown body field is named only when it is a plain name', async () => {
    const answer = await raw(api.url, '/v1/events', {
      headers: json(),
      body: JSON.stringify({ ...event(), [`<${MARKER}>`]: 1 }),
    });
    assertOwnShape(answer, 400, 'odd unknown field');
  });
});
