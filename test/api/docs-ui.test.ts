// Swagger UI at /docs (issue 18, Build 5), served offline from the package's own assets, and the
// X-Trust-Mesh-Node header docs/API.md promises on every answer (issue 18, item 9).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BridgeApi } from '../../src/api/server.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testNetwork } from '../support/fixtures.js';
import { ApiMesh, reader } from './support.js';

describe('bridge API: Swagger UI and the node header', () => {
  const mesh = new ApiMesh(testNetwork([100]));
  let node: TrustMeshNode;
  let api: BridgeApi;
  before(async () => {
    ({ node, api } = await mesh.bridge(0));
  });
  after(() => mesh.cleanup());

  test('/docs answers the Swagger UI page without a token, with every asset served by the bridge', async () => {
    const page = await fetch(`${api.url}/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /swagger-ui/);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    assert.ok(assets.length >= 3, html);
    for (const asset of assets) {
      assert.doesNotMatch(asset, /^(https?:)?\/\//, `no asset from elsewhere: ${asset}`);
      const url = new URL(asset, page.url);
      const response = await fetch(url);
      assert.equal(response.status, 200, url.href);
      await response.arrayBuffer();
    }
    const initializer = await fetch(`${api.url}/docs/static/swagger-initializer.js`);
    const script = await initializer.text();
    assert.match(script, /validatorUrl: null/, 'no call to the online validator');
    const document = (await (await fetch(`${api.url}/docs/json`)).json()) as {
      paths: Record<string, unknown>;
    };
    assert.ok(document.paths['/v1/events'], 'the UI shows the API document');
    assert.equal(document.paths['/docs'], undefined, 'the UI itself is not part of the API');
  });

  test('every answer carries X-Trust-Mesh-Node: success, 401, 404', async () => {
    const answers = await Promise.all([
      fetch(`${api.url}/healthz`),
      fetch(`${api.url}/v1/status`, { headers: { authorization: `Bearer ${reader.token}` } }),
      fetch(`${api.url}/v1/status`),
      fetch(`${api.url}/no/such/route`),
      fetch(`${api.url}/openapi.json`),
    ]);
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 401, 404, 200],
    );
    for (const answer of answers) {
      assert.equal(answer.headers.get('x-trust-mesh-node'), node.nodeId, answer.url);
      await answer.arrayBuffer();
    }
  });
});
