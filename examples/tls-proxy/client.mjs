// Example: the client through TLS with the proxy's CA pinned: only a certificate from that CA is accepted, and no
// system CA is consulted. Submits an update, waits for its commit, sees it on the stream and reads the record.
// Run: TRUST_MESH_API=https://127.0.0.1:8443 TRUST_MESH_CA=cert.pem TRUST_MESH_TOKEN=tm_… node examples/tls-proxy/client.mjs
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { Readable } from 'node:stream';
import { TrustMeshClient } from 'trust-mesh/client';

/** A fetch on node:https that trusts the given CA alone (global fetch would take the system's CAs as well). */
function pinnedFetch(ca) {
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const outgoing = request(
        url,
        { method: init.method ?? 'GET', headers: init.headers, ca, signal: init.signal },
        (answer) => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(answer.headers))
            for (const each of [value].flat()) if (each !== undefined) headers.append(name, each);
          const empty = answer.statusCode === 204 || answer.statusCode === 304 || init.method === 'HEAD';
          resolve(
            new Response(empty ? null : Readable.toWeb(answer), { status: answer.statusCode, headers }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(init.body);
    });
}

const client = new TrustMeshClient({
  baseUrl: process.env.TRUST_MESH_API ?? 'https://127.0.0.1:8443',
  token: process.env.TRUST_MESH_TOKEN,
  fetch: pinnedFetch(readFileSync(process.env.TRUST_MESH_CA ?? 'cert.pem')),
});

const { ledger } = await client.status();
const agentId = process.argv[2] ?? 'tls-example-agent';
const submitted = await client.submitEvent({
  agentId,
  principalId: 'example-user',
  trustScore: 810,
  event: 'REGISTRATION',
});
const settled = await client.waitForUpdate(submitted.id, { timeoutMs: 30_000 });
console.log(`${settled.status} over https: ${submitted.id}`);
if (settled.status !== 'committed') process.exit(1);

// The change stream through the proxy: it must arrive as it happens, not when the proxy's buffer fills.
const done = new AbortController();
for await (const change of client.stream({
  lastEventId: ledger.latestSeq,
  signal: done.signal,
  reconnect: false,
})) {
  if (change.type === 'COMMIT' && change.updateId === submitted.id) {
    console.log(`stream over https: COMMIT seq ${change.seq}`);
    done.abort();
  }
}
const record = await client.record(agentId, 'example-user');
console.log(
  `record over https ${agentId}/example-user: score ${record?.trustScore}, revoked ${record?.revoked}`,
);
