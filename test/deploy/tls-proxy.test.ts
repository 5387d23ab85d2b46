// examples/tls-proxy (issue 18, Build 7): a bridge behind a TLS reverse proxy. The Node proxy runs for real in front
// of a real bridge, with a certificate openssl makes now; the client reaches it with that certificate pinned.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BridgeApi } from '../../src/api/server.js';
import { SETTINGS } from '../../src/config/settings.js';
import { ApiMesh, writer } from '../api/support.js';
import { CliProcess, REPO_ROOT } from '../cli/cli-process.js';
import { testNetwork } from '../support/fixtures.js';
import { waitFor } from '../support/mesh.js';

const EXAMPLE = join(REPO_ROOT, 'examples/tls-proxy');

/** A self-signed certificate for 127.0.0.1 and localhost: the certificate is its own CA. */
function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const [cert, key] = [join(dir, `${name}-cert.pem`), join(dir, `${name}-key.pem`)];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

function getWithCa(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca: readFileSync(ca) }, (answer) => {
      let body = '';
      answer.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('examples/tls-proxy: a bridge behind a TLS reverse proxy', { timeout: 60_000 }, () => {
  const mesh = new ApiMesh(testNetwork([100]));
  const children: CliProcess[] = [];
  let api: BridgeApi;
  let proxyUrl: string;
  let tls: { cert: string; key: string };
  let dir: string;

  const node = (args: string[], env: Record<string, string>) => {
    const child = new CliProcess(
      spawn(process.execPath, args, {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    children.push(child);
    return child;
  };

  before(async () => {
    execFileSync('openssl', ['version'], { stdio: 'ignore' }); // the test needs the openssl CLI
    dir = mesh.tempDir();
    tls = selfSigned(dir, 'proxy');
    ({ api } = await mesh.bridge(0));
    const proxy = node([join(EXAMPLE, 'proxy.mjs')], {
      TLS_CERT: tls.cert,
      TLS_KEY: tls.key,
      BRIDGE_URL: api.url,
      PORT: '0',
    });
    await waitFor(() => /^tls-proxy: https:/m.test(proxy.stdout) || !proxy.running, 10_000, 'the proxy');
    const listening = /^tls-proxy: (https:\/\/\S+) -> /m.exec(proxy.stdout);
    assert.ok(listening, `the proxy did not start: ${proxy.stderr}`);
    proxyUrl = listening[1]!;
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map((child) => child.waitForExit(5_000).catch(() => undefined)));
    await mesh.cleanup();
  });

  test('the client, CA pinned, submits, sees the commit on the stream and reads the record over https', async () => {
    const client = node([join(EXAMPLE, 'client.mjs'), 'tls-proxy-agent'], {
      TRUST_MESH_API: proxyUrl,
      TRUST_MESH_CA: tls.cert,
      TRUST_MESH_TOKEN: writer.token,
    });
    const exit = await client.waitForExit(30_000);
    assert.equal(exit.code, 0, client.stderr);
    assert.match(client.stdout, /^committed over https: \S+$/m);
    assert.match(client.stdout, /^stream over https: COMMIT seq \d+$/m);
    assert.match(
      client.stdout,
      /^record over https tls-proxy-agent\/example-user: score 810, revoked false$/m,
    );
  });

  test('a certificate from another CA is refused: the pin is checked, not skipped', async () => {
    const other = selfSigned(dir, 'other');
    const client = node([join(EXAMPLE, 'client.mjs')], {
      TRUST_MESH_API: proxyUrl,
      TRUST_MESH_CA: other.cert,
      TRUST_MESH_TOKEN: writer.token,
    });
    const exit = await client.waitForExit(20_000);
    assert.notEqual(exit.code, 0);
    assert.match(client.stderr, /TM_ERR_UNREACHABLE: https:\/\/127\.0\.0\.1:\d+: self-signed certificate/);
  });

  test("the bridge's own answers pass through: no token, 401 with the API's error body", async () => {
    const answer = await getWithCa(`${proxyUrl}/v1/status`, tls.cert);
    assert.equal(answer.status, 401);
    assert.match(JSON.parse(answer.body).code as string, /^TM_ERR_/);
    assert.equal((await getWithCa(`${proxyUrl}/healthz`, tls.cert)).status, 200);
  });

  test('nginx.conf proxies to the default API port and leaves the stream unbuffered', () => {
    const conf = readFileSync(join(EXAMPLE, 'nginx.conf'), 'utf8');
    assert.match(conf, new RegExp(`server 127\\.0\\.0\\.1:${SETTINGS['api.port'].default};`));
    const stream = /location = \/v1\/stream \{([^}]*)\}/.exec(conf);
    assert.ok(stream, 'a location for the change stream');
    assert.match(stream[1]!, /proxy_buffering off;/);
    assert.match(conf, /listen 443 ssl http2;/);
    assert.match(conf, /ssl_certificate_key /);
  });
});
