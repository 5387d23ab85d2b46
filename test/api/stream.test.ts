// The SSE change stream on one real bridge: resuming under concurrent writes loses and repeats nothing, heartbeats
// flow, streams share one node subscription, bad Last-Event-IDs are refused, and the client reconnects by itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FEED_PAGE } from '../../src/api/change-feed.js';
import type { BridgeApi } from '../../src/api/server.js';
import { type ChangeEvent, TrustMeshClient } from '../../src/client/client.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testNetwork } from '../support/fixtures.js';
import { waitFor } from '../support/mesh.js';
import { ApiMesh, call, reader } from './support.js';

const revoke = (node: TrustMeshNode, n: number) =>
  node.revoke({ agentId: `stream-agent-${n}`, principalId: 'p', reason: `r${n}` });

/** Node listeners of change events (each API's record cache holds one of each kind, and so does its StreamHub). */
const listeners = (node: TrustMeshNode) => node.listenerCount('committed') + node.listenerCount('critical');

/** Reads a client stream in the background until stopped; stop() always ends it, whatever the test did. */
function consume(client: TrustMeshClient, options: Parameters<TrustMeshClient['stream']>[0] = {}) {
  const controller = new AbortController();
  const events: ChangeEvent[] = [];
  const reading = (async () => {
    for await (const event of client.stream({ ...options, signal: controller.signal })) events.push(event);
  })();
  return {
    events,
    stop: async () => {
      controller.abort();
      await reading;
    },
  };
}

describe('bridge API change stream', () => {
  const mesh = new ApiMesh(testNetwork([100]));
  let node: TrustMeshNode;
  let api: BridgeApi;
  let client: TrustMeshClient;

  before(async () => {
    ({ node, api } = await mesh.bridge(0, { heartbeatMs: 50, streamRetryMs: 20 }));
    client = new TrustMeshClient({ baseUrl: api.url, token: reader.token });
  });
  after(() => mesh.cleanup());

  test('a replay spanning several pages, with writes going on meanwhile, has no gap and no duplicate', async () => {
    for (let n = 0; n < FEED_PAGE * 2 + 10; n++) revoke(node, n);
    const stream = consume(client, { lastEventId: 0 });
    try {
      // Keep writing while the replay runs, across the switch from replay to live.
      for (let n = 1000; n < 1200; n++) {
        revoke(node, n);
        if (n % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const latest = node.store.latestSeq();
      await waitFor(() => stream.events.at(-1)?.seq === latest, 15_000, 'the stream to catch up');
    } finally {
      await stream.stop();
    }
    const expected = node.store.entriesSince(0, 1000).map(({ seq, entry }) => [seq, entry.id]);
    assert.equal(expected.length, FEED_PAGE * 2 + 10 + 200);
    assert.deepEqual(
      stream.events.map((e) => [e.seq, e.id]),
      expected,
    );
    await waitFor(() => api.streams === 0, 5_000, 'the stream to close at the bridge');
  });

  test('heartbeat comments flow on an idle stream, and a closed stream leaves no listener behind', async () => {
    assert.equal(api.streams, 0);
    const idle = listeners(node);
    const controller = new AbortController();
    const response = await fetch(`${api.url}/v1/stream`, {
      headers: { authorization: `Bearer ${reader.token}` },
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(response.headers.get('x-trust-mesh-node'), node.nodeId);
    assert.equal(api.streams, 1);
    const body = response.body!.getReader();
    let text = '';
    try {
      while ((text.match(/: heartbeat/g) ?? []).length < 2) {
        const { value, done } = await body.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } finally {
      controller.abort();
    }
    assert.match(text, /^retry: 20\n/);
    assert.ok((text.match(/: heartbeat/g) ?? []).length >= 2, text);
    assert.doesNotMatch(text, /\nid: /, 'no events: the stream started at the present');
    await waitFor(() => api.streams === 0 && listeners(node) === idle, 5_000, 'the stream to go away');
  });

  test('streams share one node subscription: a dozen add one listener per event and raise no warning', async () => {
    const idle = listeners(node);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const streams = Array.from({ length: 12 }, () => consume(client));
    try {
      await waitFor(() => api.streams === 12, 5_000, 'a dozen streams to open');
      assert.equal(listeners(node), idle + 2, "one 'committed' and one 'critical' listener for all of them");
      const marker = revoke(node, 7000);
      await waitFor(
        () => streams.every((stream) => stream.events.some((e) => e.id === marker.id)),
        5_000,
        'every stream to deliver the revocation',
      );
      assert.deepEqual(
        warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning'),
        [],
      );
    } finally {
      await Promise.all(streams.map((stream) => stream.stop()));
      process.off('warning', onWarning);
    }
    await waitFor(() => api.streams === 0 && listeners(node) === idle, 5_000, 'the streams to go away');
  });

  test('a Last-Event-ID that is not a seq, or is ahead of this ledger, is refused with 400', async () => {
    const words = await call(api.url, '/v1/stream', {
      token: reader.token,
      headers: { 'last-event-id': 'abc' },
    });
    assert.equal(words.status, 400);
    assert.equal(words.body.field, 'Last-Event-ID');
    const ahead = await call(api.url, '/v1/stream', {
      token: reader.token,
      headers: { 'last-event-id': String(node.store.latestSeq() + 10) },
    });
    assert.equal(ahead.status, 400);
    assert.match(String(ahead.body.message), /ahead/);
    // A first connection may give its position in the query string instead.
    const controller = new AbortController();
    const response = await fetch(`${api.url}/v1/stream?lastEventId=0`, {
      headers: { authorization: `Bearer ${reader.token}` },
      signal: controller.signal,
    });
    const body = response.body!.getReader();
    let text = '';
    try {
      while (!text.includes('\nid: ')) {
        const { value, done } = await body.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } finally {
      controller.abort();
    }
    assert.match(text, /\nid: 1\n/, 'the replay starts after seq 0');
    const anonymous = await call(api.url, '/v1/stream');
    assert.equal(anonymous.status, 401);
  });

  test('the client reconnects after the bridge API restarts and resumes where it stopped', async () => {
    let bridge = await mesh.serve(node, { heartbeatMs: 50, streamRetryMs: 20 });
    const port = bridge.port;
    let reconnects = 0;
    const stream = consume(new TrustMeshClient({ baseUrl: bridge.url, token: reader.token }), {
      onReconnect: () => reconnects++,
    });
    try {
      await waitFor(() => bridge.streams === 1, 5_000, 'the stream to open');
      const before = revoke(node, 5000);
      await waitFor(() => stream.events.some((e) => e.id === before.id), 5_000, 'the first event');

      await bridge.close();
      const during = revoke(node, 5001);
      bridge = await mesh.serve(node, { port, heartbeatMs: 50, streamRetryMs: 20 });
      const afterwards = revoke(node, 5002);
      await waitFor(
        () => stream.events.some((e) => e.id === afterwards.id),
        10_000,
        'events after the restart',
      );
      assert.ok(reconnects >= 1);
      assert.deepEqual(
        stream.events.map((e) => e.id),
        [before.id, during.id, afterwards.id],
      );
    } finally {
      await stream.stop();
    }
  });
});
