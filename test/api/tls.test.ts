// The bridge API over TLS (api.tls.cert/key): https:// with the given certificate, and nothing in plain HTTP.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BridgeApi } from '../../src/api/server.js';
import { testNetwork } from '../support/fixtures.js';
import { ApiMesh, reader } from './support.js';

function getJson(
  url: string,
  ca: Buffer,
  token: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject).end();
  });
}

describe('bridge API over TLS', () => {
  const mesh = new ApiMesh(testNetwork([100]));
  let api: BridgeApi;
  let cert: Buffer;

  before(async () => {
    const dir = mesh.tempDir();
    const [certPath, keyPath] = [join(dir, 'api-cert.pem'), join(dir, 'api-key.pem')];
    const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ed25519',
        '-nodes',
        '-days',
        '1',
        ...subject,
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      {
        stdio: 'ignore',
      },
    );
    cert = readFileSync(certPath);
    ({ api } = await mesh.bridge(0, { tls: { cert, key: readFileSync(keyPath) } }));
  });
  after(() => mesh.cleanup());

  test('serves https:// with the configured certificate', async () => {
    assert.match(api.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await getJson(`${api.url}/v1/status`, cert, reader.token);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.type, 'bridge');
  });

  test('plain HTTP gets no answer from the TLS port', async () => {
    await assert.rejects(fetch(`${api.url.replace('https:', 'http:')}/healthz`));
  });
});
