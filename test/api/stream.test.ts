// The SSE change stream on one real bridge: resuming under concurrent writes loses and repeats nothing, the stream
// opens with a `ready` event whose id is its position, heartbeats flow, streams share one node subscription, bad
// Last-Event-IDs are refused, and the client reconnects by itself — even when it had seen no change yet.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FEED_PAGE } from '../../src/api/change-feed.js';
import type { BridgeApi, BridgeApiOptions } from '../../src/api/server.js';
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

  /**
   * Closes `bridge`, revokes while it is down, serves the API again on its port, revokes once more, and waits
   * until that last revocation is among `events` (what a client stream delivered).
   */
  async function restart(bridge: BridgeApi, n: number, options: BridgeApiOptions, events: ChangeEvent[]) {
    await bridge.close();
    const during = revoke(node, n);
    await mesh.serve(node, { ...options, port: bridge.port });
    const afterwards = revoke(node, n + 1);
    await waitFor(() => events.some((e) => e.id === afterwards.id), 10_000, 'events after the restart');
    return { during, afterwards };
  }

  test('a replay spanning several pages, with writes going on meanwhile, has no gap and no duplicate', async () => {
    for (let n = 0; n < FEED_PAGE * 2 + 10; n++) revoke(node, n);
    const stream = consume(client, { lastEventId: 0 });
    try {
      // Keep writing while the replay runs, across the switch from replay to live.
      for (let n = 1000; n < 1200; n++) {
        revoke(node, n);
        if (n % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const latest = node.latestSeq();
      await waitFor(() => stream.events.at(-1)?.seq === latest, 15_000, 'the stream to catch up');
    } finally {
      await stream.stop();
    }
    const expected = node.entriesSince(0, 1000).map(({ seq, entry }) => [seq, entry.id]);
    assert.equal(expected.length, FEED_PAGE * 2 + 10 + 200);
    assert.deepEqual(
      stream.events.map((e) => [e.seq, e.id]),
      expected,
    );
    await waitFor(() => api.streams === 0, 5_000, 'the stream to close at the bridge');
  });

  test('the stream opens with a ready event at the present, then heartbeats; closing it leaves no listener', async () => {
    assert.equal(api.streams, 0);
    const idle = listeners(node);
    const latest = node.latestSeq();
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
    // An id before any change, so a client (or an EventSource) knows its position at once.
    const ready = `retry: 20\nid: ${latest}\nevent: ready\ndata: ${JSON.stringify({ seq: latest, nodeId: node.nodeId })}\n\n`;
    assert.ok(text.startsWith(ready), text);
    assert.ok((text.match(/: heartbeat/g) ?? []).length >= 2, text);
    assert.equal(text.match(/^id: /gm)?.length, 1, 'no change events: the stream started at the present');
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
      headers: { 'last-event-id': String(node.latestSeq() + 10) },
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
      while (!text.includes('\nid: 1\n')) {
        const { value, done } = await body.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } finally {
      controller.abort();
    }
    assert.match(text, /^retry: \d+\nid: 0\nevent: ready\n/, 'the ready event names the resume point');
    assert.match(text, /\nid: 1\nevent: revocation\n/, 'the replay starts after seq 0');
    const anonymous = await call(api.url, '/v1/stream');
    assert.equal(anonymous.status, 401);
  });

  test('the client reconnects after the bridge API restarts and resumes where it stopped', async () => {
    const options = { heartbeatMs: 50, streamRetryMs: 20 };
    const bridge = await mesh.serve(node, options);
    const attempts: number[] = [];
    const stream = consume(new TrustMeshClient({ baseUrl: bridge.url, token: reader.token }), {
      onReconnect: (_error, attempt) => attempts.push(attempt),
    });
    try {
      await waitFor(() => bridge.streams === 1, 5_000, 'the stream to open');
      const before = revoke(node, 5000);
      await waitFor(() => stream.events.some((e) => e.id === before.id), 5_000, 'the first event');

      const { during, afterwards } = await restart(bridge, 5001, options, stream.events);
      assert.deepEqual(
        attempts,
        attempts.map((_, index) => index + 1),
        'failures in a row, counted from 1',
      );
      assert.ok(attempts.length >= 1);
      assert.deepEqual(
        stream.events.map((e) => e.id),
        [before.id, during.id, afterwards.id],
      );
    } finally {
      await stream.stop();
    }
  });

  test("a connection lost before any change still resumes from the ready event's id", async () => {
    // No heartbeats: before the drop, the ready event is all this stream ever carries.
    const options = { heartbeatMs: 60_000, streamRetryMs: 20 };
    const bridge = await mesh.serve(node, options);
    const start = node.latestSeq();
    const seen = new ObservedFetch();
    const stream = consume(
      new TrustMeshClient({ baseUrl: bridge.url, token: reader.token, fetch: seen.fetch }),
    );
    try {
      await waitFor(
        () => /\nevent: ready\n.*\n\n/.test(seen.text),
        5_000,
        'the ready event to reach the client',
      );
      const { during, afterwards } = await restart(bridge, 6001, options, stream.events);
      assert.deepEqual(
        stream.events.map((e) => e.id),
        [during.id, afterwards.id],
        'nothing written while the client was away is skipped',
      );
      assert.equal(seen.lastEventIds[0], null, 'the first connection starts at the present');
      assert.ok(seen.lastEventIds.length >= 2);
      for (const id of seen.lastEventIds.slice(1)) assert.equal(id, String(start));
    } finally {
      await stream.stop();
    }
  });

  test('a stream silent past idleTimeoutMs is given up and resumed, losing and repeating nothing', async () => {
    // A bridge that never sends heartbeats looks, to the client, like a half-open connection.
    const quiet = await mesh.serve(node, { heartbeatMs: 60_000, streamRetryMs: 20 });
    const reasons: unknown[] = [];
    const stream = consume(new TrustMeshClient({ baseUrl: quiet.url, token: reader.token }), {
      idleTimeoutMs: 150,
      onReconnect: (error) => reasons.push(error),
    });
    try {
      await waitFor(() => reasons.length >= 1, 5_000, 'the silent stream to be given up');
      assert.match(String(reasons[0]), /TM_ERR_UNREACHABLE: the stream was silent for 150 ms/);
      const marker = revoke(node, 8000);
      await waitFor(
        () => stream.events.some((e) => e.id === marker.id),
        5_000,
        'the revocation on a new connection',
      );
      assert.deepEqual(
        stream.events.map((e) => e.id),
        [marker.id],
      );
    } finally {
      await stream.stop();
    }
  });
});

/**
 * The global fetch, watched: the Last-Event-ID each stream request carries, and the stream text as handed to
 * the client's reader (pulled on demand, so what shows in `text` has reached the client).
 */
class ObservedFetch {
  readonly lastEventIds: Array<string | null> = [];
  text = '';

  readonly fetch: typeof fetch = async (input, init) => {
    const isStream = String(input).endsWith('/v1/stream');
    if (isStream) this.lastEventIds.push(new Headers(init?.headers).get('last-event-id'));
    const response = await fetch(input, init);
    if (!isStream || response.body === null) return response;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const body = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const { value, done } = await reader.read();
          if (done) return controller.close();
          controller.enqueue(value);
          this.text += decoder.decode(value, { stream: true });
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: response.status, headers: response.headers });
  };
}
