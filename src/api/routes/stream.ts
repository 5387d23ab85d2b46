// GET /v1/stream: Server-Sent Events of every ledger change (commits and critical events), `id:` = ledger seq.
// Resumes after `Last-Event-ID`; without one it starts at the present. Ids are this node's own: not portable.
import type { FastifyInstance } from 'fastify';
import type { TrustMeshNode } from '../../node/node.js';
import { ChangeFeed, type FeedTiming } from '../change-feed.js';
import { ApiFailure } from '../error-handler.js';
import { paths } from '../links.js';
import { errorResponses, StreamEvent, StreamQuery } from '../schemas.js';

/** Open streams per API; each holds a socket and two node listeners. */
export const MAX_STREAMS = 256;

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

export function registerStreamRoute(app: FastifyInstance, node: TrustMeshNode, timing: FeedTiming): void {
  const feeds = new Set<ChangeFeed>();
  app.addHook('preClose', (done) => {
    for (const feed of feeds) feed.close();
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
          'Each event has `id:` = the ledger seq on this node, `event:` = commit | revocation | key-rotation | ' +
          'security-alert | blacklist, and `data:` = one JSON object. Reconnect with `Last-Event-ID` to receive ' +
          'exactly what you missed. Comment lines (`: heartbeat`) keep idle connections open.',
        querystring: StreamQuery,
        produces: ['text/event-stream'],
        response: { 200: StreamEvent, ...errorResponses(400, 429) },
      },
    },
    (request, reply) => {
      if (feeds.size >= MAX_STREAMS)
        throw ApiFailure.of('TM_ERR_RATE_LIMITED', `this bridge already serves ${MAX_STREAMS} streams`);
      const after = resumePoint(
        request.headers['last-event-id'],
        request.query.lastEventId,
        node.store.latestSeq(),
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
      const feed = new ChangeFeed(node, after, sink, timing, () => {
        feeds.delete(feed);
        if (!raw.writableEnded) raw.end();
      });
      feeds.add(feed);
      raw.on('close', () => feed.close());
      feed.start();
    },
  );
}
