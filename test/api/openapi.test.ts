// /openapi.json is generated from the route schemas: it must validate as OpenAPI 3.1 and describe every route,
// its security and its error answers, so integrators can generate clients from it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { BridgeApi } from '../../src/api/server.js';
import { TrustMeshClient } from '../../src/client/client.js';
import { testNetwork } from '../support/fixtures.js';
import { ApiMesh } from './support.js';

interface Operation {
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: { required?: string[] } }> };
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> } & Record<
  string,
  unknown
>;

describe('bridge API OpenAPI document', () => {
  const mesh = new ApiMesh(testNetwork([100]));
  let api: BridgeApi;
  let document: Document;

  before(async () => {
    ({ api } = await mesh.bridge(0));
    // Served without a token: the document holds nothing secret and tools fetch it anonymously.
    document = (await new TrustMeshClient({ baseUrl: api.url }).openapi()) as Document;
  });
  after(() => mesh.cleanup());

  test('validates against the official OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Parameters<Validator['validate']>[0]);
    assert.deepEqual(result, { valid: true }, JSON.stringify(result.errors, null, 2));
    assert.equal(validator.version, '3.1');
  });

  test('describes every route with its method', () => {
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    assert.deepEqual(routes.sort(), [
      'GET /healthz',
      'GET /metrics',
      'GET /readyz',
      'GET /v1/agents/{agentId}',
      'GET /v1/agents/{agentId}/principals/{principalId}',
      'GET /v1/agents/{agentId}/principals/{principalId}/history',
      'GET /v1/keys',
      'GET /v1/peers',
      'GET /v1/status',
      'GET /v1/stream',
      'GET /v1/updates/{id}',
      'POST /v1/events',
      'POST /v1/revocations',
    ]);
  });

  test('describes /readyz: open to all, its 503 the error shape with the sync progress', () => {
    const propertiesOf = (path: string, status: string) => {
      const content = document.paths[path]!.get!.responses[status]!.content ?? {};
      const json = content['application/json'] as { schema: { properties: object } };
      return Object.keys(json.schema.properties).sort();
    };
    assert.equal(document.paths['/readyz']!.get!.security, undefined);
    assert.deepEqual(propertiesOf('/readyz', '200'), ['nodeId', 'peers', 'status', 'sync']);
    assert.deepEqual(propertiesOf('/readyz', '503'), ['code', 'field', 'message', 'requestId', 'sync']);
    assert.ok(propertiesOf('/v1/status', '200').includes('sync'));
  });

  test('names the bearer scheme on protected routes only, with their 401/403 answers; 429/500/503 everywhere', () => {
    const events = document.paths['/v1/events']!.post!;
    assert.deepEqual(events.security, [{ bearer: [] }]);
    for (const status of ['202', '400', '401', '403', '413', '429'])
      assert.ok(events.responses[status], status);
    assert.deepEqual(events.requestBody?.content['application/json']?.schema.required?.sort(), [
      'agentId',
      'event',
      'principalId',
      'trustScore',
    ]);
    assert.equal(document.paths['/healthz']!.get!.security, undefined);
    // What the gate and the error handler may answer on any route, public ones included.
    for (const [path, methods] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(methods))
        for (const status of ['429', '500', '503'])
          assert.ok(operation.responses[status], `${method.toUpperCase()} ${path} ${status}`);
    assert.ok(document.paths['/v1/stream']!.get!.responses['200']!.content?.['text/event-stream']);
  });
});
