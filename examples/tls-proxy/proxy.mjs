// Example: TLS in front of a bridge. An https server (node:https, no dependency) that forwards every request to
// the bridge's plain-HTTP API on loopback and streams answers back unbuffered, so /v1/stream (SSE) works through it.
// Run: TLS_CERT=cert.pem TLS_KEY=key.pem BRIDGE_URL=http://127.0.0.1:8081 PORT=8443 node examples/tls-proxy/proxy.mjs
// For production, nginx.conf next to this file does the same job; see the README's "TLS in front of a bridge".
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:https';

const bridge = new URL(process.env.BRIDGE_URL ?? 'http://127.0.0.1:8081');
const port = Number(process.env.PORT ?? 8443);
const host = process.env.HOST ?? '127.0.0.1';

// Headers that describe one connection, not the request: each hop sets its own (RFC 9110 §7.6.1).
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];
const withoutHopByHop = (headers) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.includes(name)));

const server = createServer(
  {
    cert: readFileSync(process.env.TLS_CERT ?? 'cert.pem'),
    key: readFileSync(process.env.TLS_KEY ?? 'key.pem'),
  },
  (incoming, outgoing) => {
    const forwarded = request(
      {
        hostname: bridge.hostname,
        port: bridge.port || 80,
        method: incoming.method,
        path: incoming.url,
        headers: {
          ...withoutHopByHop(incoming.headers),
          'x-forwarded-for': incoming.socket.remoteAddress ?? '',
          'x-forwarded-proto': 'https',
          'x-forwarded-host': incoming.headers.host ?? '',
        },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        // No buffering: every chunk the bridge writes (an SSE event, a heartbeat) goes out as it comes.
        outgoing.flushHeaders();
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', (error) => {
      if (outgoing.headersSent) {
        outgoing.destroy();
        return;
      }
      outgoing.writeHead(502, { 'content-type': 'application/json' });
      outgoing.end(
        JSON.stringify({ code: 'TM_ERR_UNREACHABLE', message: `bridge ${bridge.origin}: ${error.message}` }),
      );
    });
    // A client that leaves (a stream reader that stops) ends the request to the bridge too, freeing its slot.
    outgoing.on('close', () => forwarded.destroy());
    incoming.pipe(forwarded);
  },
);

server.listen(port, host, () => {
  const { port: bound } = server.address();
  console.log(`tls-proxy: https://${host}:${bound} -> ${bridge.origin}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
