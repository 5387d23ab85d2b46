// The client when something other than a bridge answers (a captive portal, a proxy that stalls mid-body): every
// failure is a TrustMeshApiError with a client code, never a bare SyntaxError or DOMException.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CLIENT_CODES, TrustMeshApiError, TrustMeshClient } from '../../src/client/client.js';

describe('TrustMeshClient: answers that are not the bridge’s', () => {
  // Not a bridge: a plain HTTP server standing in for whatever sits between the client and the bridge.
  const server: Server = createServer((request, response) => {
    if (request.url === '/v1/status') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>sign in to the hotel wifi</html>');
    } else {
      // Headers and half a body, then nothing.
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"status":');
    }
  });
  let client: TrustMeshClient;
  /** The same server with time to spare: answers that are not the bridge's must not be mistaken for timeouts. */
  let patient: TrustMeshClient;

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new TrustMeshClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 });
    patient = new TrustMeshClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 30_000 });
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const failsWith = (code: string, message: RegExp) => (error: unknown) => {
    assert.ok(error instanceof TrustMeshApiError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.status, 0);
    assert.match(error.message, message);
    return true;
  };

  test('a success answer that is not JSON: TM_ERR_BAD_RESPONSE quoting its start', async () => {
    await assert.rejects(
      patient.status(),
      failsWith(CLIENT_CODES.badResponse, /GET \/v1\/status: the answer is not JSON: "<html>sign in/),
    );
  });

  test('a body that stalls past the time limit: TM_ERR_UNREACHABLE, like no answer at all', async () => {
    await assert.rejects(
      client.health(),
      failsWith(CLIENT_CODES.unreachable, /GET \/healthz: no complete answer in 200 ms/),
    );
  });
});
