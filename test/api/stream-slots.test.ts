// Stream slots on a real bridge: one token (or one anonymous address) holds at most 16 streams at once, the bridge
// a global number; past either, 429 TM_ERR_RATE_LIMITED, and a closed stream gives its slot back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API_DEFAULTS, type BridgeApi } from '../../src/api/server.js';
import { testNetwork } from '../support/fixtures.js';
import { waitFor } from '../support/mesh.js';
import { ApiMesh, reader, writer } from './support.js';

interface OpenStream {
  readonly status: number;
  readonly code: string | undefined;
  close(): void;
}

/** Opens GET /v1/stream; a 200 stays open until close(), an error answer is read whole. */
async function openStream(api: BridgeApi, token?: string): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(`${api.url}/v1/stream`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const code = response.ok ? undefined : ((await response.json()) as { code: string }).code;
  return { status: response.status, code, close: () => controller.abort() };
}

describe('bridge API stream slots', () => {
  const mesh = new ApiMesh(testNetwork([100]));
  const open: OpenStream[] = [];
  let api: BridgeApi;
  let publicApi: BridgeApi;
  let smallApi: BridgeApi;

  const keep = async (stream: Promise<OpenStream>) => {
    const opened = await stream;
    open.push(opened);
    return opened;
  };
  const closeAll = async () => {
    for (const stream of open.splice(0)) stream.close();
    await waitFor(
      () => api.streams + publicApi.streams + smallApi.streams === 0,
      5_000,
      'every stream to close at the bridges',
    );
  };

  before(async () => {
    const bridge = await mesh.bridge(0);
    api = bridge.api;
    publicApi = await mesh.serve(bridge.node, { publicReads: true });
    smallApi = await mesh.serve(bridge.node, { maxStreams: 3 });
  });
  after(async () => {
    for (const stream of open) stream.close();
    await mesh.cleanup();
  });

  test('one token holds at most 16 streams; another token still gets one; a closed one frees its slot', async () => {
    const limit = API_DEFAULTS.maxStreamsPerCaller;
    assert.equal(limit, 16);
    const streams = await Promise.all(
      Array.from({ length: limit }, () => keep(openStream(api, reader.token))),
    );
    assert.deepEqual(new Set(streams.map((stream) => stream.status)), new Set([200]));
    assert.equal(api.streams, limit);

    const refused = await keep(openStream(api, reader.token));
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'TM_ERR_RATE_LIMITED');
    assert.equal((await keep(openStream(api, writer.token))).status, 200, 'the writer has its own slots');

    streams[0]!.close();
    await waitFor(() => api.streams === limit, 5_000, 'the closed stream to free its slot');
    assert.equal((await keep(openStream(api, reader.token))).status, 200);
    await closeAll();
  });

  test('anonymous readers are limited per address', async () => {
    const limit = API_DEFAULTS.maxStreamsPerCaller;
    for (let i = 0; i < limit; i++) assert.equal((await keep(openStream(publicApi))).status, 200);
    const refused = await keep(openStream(publicApi));
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'TM_ERR_RATE_LIMITED');
    assert.equal((await keep(openStream(publicApi, reader.token))).status, 200, 'a token is not the address');
    await closeAll();
  });

  test('the bridge-wide cap holds across callers', async () => {
    for (const token of [reader.token, reader.token, writer.token])
      assert.equal((await keep(openStream(smallApi, token))).status, 200);
    const refused = await keep(openStream(smallApi, writer.token));
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'TM_ERR_RATE_LIMITED');
    await closeAll();
  });
});
