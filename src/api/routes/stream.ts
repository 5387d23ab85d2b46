// GET /v1/stream: Server-Sent Events of every ledger change (commits and critical events), `id:` = ledger seq.
// Resumes after `Last-Event-ID`; without one it starts at the present. Ids are this node's own: not portable.
import type { FastifyInstance } from 'fastify';
import type { TrustMeshNode } from '../../node/node.js';
import { ChangeFeed } from '../change-feed.js';
import { ApiFailure } from '../error-handler.js';
import { paths } from '../links.js';
import { errorResponses, StreamEvent, StreamQuery } from '../schemas.js';
import { StreamHub, type StreamLimits } from '../stream-hub.js';

function resumePoint(
  header: string | string[] | undefined,
  query: number | undefined,
  latest: number,
): number {
  let after = query;
  if (header !== undefined) {
    const text = Array.isArray(header) ? header[0]! : header;
    if (!/^\d{1,15}$/.test(text.trim()))
      throw ApiFailure.of(
        'TM_ERR_BAD_REQUEST',
        'Last-Event-ID must be a ledger seq (digits)',
        'Last-Event-ID',
      );
    after = Number(text.trim());
  }
  if (after === undefined) return latest;
  if (after > latest)
    throw ApiFailure.of(
      'TM_ERR_BAD_REQUEST',
      `Last-Event-ID ${after} is ahead of this node's ledger (seq ${latest}); ids are per bridge node`,
      'Last-Event-ID',
    );
  return after;
}

/** Registers the route; the hub it returns holds the open streams (BridgeApi.streams counts them). */
export function registerStreamRoute(
  app: FastifyInstance,
  node: TrustMeshNode,
  options: StreamLimits & { readonly retryMs: number },
): StreamHub {
  const hub = new StreamHub(node, options);
  app.addHook('preClose', (done) => {
    hub.close();
    done();
  });

  app.get<{ Querystring: StreamQuery }>(
    paths.stream,
    {
      config: { access: 'read' },
      schema: {
        tags: ['stream'],
        summary: 'Server-Sent Events of committed updates, revocations and other critical events',
        description:
          'The stream opens with a `ready` event (`id:` = the seq it starts after, `data:` = `{ seq, nodeId }`), ' +
          'so a client knows where to resume before any change arrives. Then each event has `id:` = the ledger ' +
          'seq on this node, `event:` = commit | revocation | key-rotation | security-alert | blacklist, and ' +
          '`data:` = one JSON object. Reconnect with `Last-Event-ID` to receive exactly what you missed. Comment ' +
          'lines (`: heartbeat`) keep idle connections open. A token (or an anonymous address) holds at most ' +
          `${options.maxPerCaller} streams at once; past that, or past ${options.maxStreams} in all, 429.`,
        querystring: StreamQuery,
        produces: ['text/event-stream'],
        response: { 200: StreamEvent, ...errorResponses(400, 429) },
      },
    },
    (request, reply) => {
      const refusal = hub.refusal(request.caller);
      if (refusal !== null) throw refusal;
      const after = resumePoint(
        request.headers['last-event-id'],
        request.query.lastEventId,
        node.latestSeq(),
      );
      reply.hijack();
      const raw = reply.raw;
      // Headers set by the gate (rate limit) go out too: a hijacked reply no longer sends them itself.
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) raw.setHeader(name, value);
      }
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Tells nginx-style proxies not to buffer the stream.
        'x-accel-buffering': 'no',
        'x-trust-mesh-node': node.nodeId,
      });
      raw.socket?.setNoDelay(true);
      const sink = {
        write: (chunk: string) => raw.write(chunk),
        once: (event: 'drain', listener: () => void) => raw.once(event, listener),
        get writable() {
          return !raw.destroyed && !raw.writableEnded;
        },
      };
      const feed = new ChangeFeed(node, after, sink, () => {
        hub.remove(feed);
        if (!raw.writableEnded) raw.end();
      });
      hub.add(request.caller, feed);
      raw.on('close', () => feed.close());
      feed.start(options.retryMs, node.nodeId);
    },
  );
  return hub;
}
