import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { TrustMeshError } from '../../src/core/errors.js';

const dataDir = '/nonexistent-trust-mesh-dir';
const invalid = (pattern: RegExp) => (error: unknown) =>
  error instanceof TrustMeshError && error.code === 'TM_ERR_CONFIG_INVALID' && pattern.test(error.message);

describe('configuration', () => {
  test('defaults apply when nothing is set', () => {
    const config = loadConfig({ dataDir, file: {}, env: {} });
    assert.equal(config.type, 'full');
    assert.equal(config.port, 8080);
    assert.equal(config.network, 'agentproof');
    assert.deepEqual(config.peers, []);
    assert.equal(config.api.port, 8081);
    assert.equal(config.sources.port, 'default');
  });

  test('flags win over environment, environment over file, file over defaults', () => {
    const file = { port: 9000, type: 'light', api: { port: 9100 }, logLevel: 'warn' };
    const env = {
      TRUST_MESH_PORT: '9001',
      TRUST_MESH_TYPE: 'bridge',
      TRUST_MESH_PEERS: 'ws://a:1/mesh, ws://b:2/mesh',
    };
    const config = loadConfig({ dataDir, file, env, flags: { port: '9002' } });
    assert.equal(config.port, 9002);
    assert.equal(config.sources.port, 'flag');
    assert.equal(config.type, 'bridge');
    assert.equal(config.sources.type, 'env');
    assert.equal(config.api.port, 9100);
    assert.equal(config.logLevel, 'warn');
    assert.deepEqual(config.peers, ['ws://a:1/mesh', 'ws://b:2/mesh']);
  });

  test('an invalid value names its key, where it came from and what is allowed', () => {
    assert.throws(
      () => loadConfig({ dataDir, file: {}, env: { TRUST_MESH_PORT: 'eighty' } }),
      invalid(/port \(from TRUST_MESH_PORT\) must be an integer from 0 to 65535/),
    );
    assert.throws(
      () => loadConfig({ dataDir, file: { type: 'heavy' }, env: {} }),
      invalid(/type \(from config.json\) must be one of full, light, bridge/),
    );
    assert.throws(
      () => loadConfig({ dataDir, file: {}, env: {}, flags: { 'api.port': '70000' } }),
      invalid(/api.port \(from --api-port\)/),
    );
    assert.throws(
      () => loadConfig({ dataDir, file: { prot: 1 }, env: {} }),
      invalid(/unknown setting "prot"/),
    );
    assert.throws(
      () => loadConfig({ dataDir, file: {}, env: { TRUST_MESH_PEERS: 'http://x' } }),
      invalid(/not a ws:\/\/ or wss:\/\/ URL/),
    );
    assert.throws(
      () => loadConfig({ dataDir, file: { tls: { cert: '/c.pem' } }, env: {} }),
      invalid(/tls.cert and tls.key/),
    );
    assert.throws(
      () => loadConfig({ dataDir, file: { api: { tokens: [{ name: 'x' }] } }, env: {} }),
      invalid(/api.tokens/),
    );
  });

  test('booleans accept true/false/1/0/yes/no', () => {
    assert.equal(loadConfig({ dataDir, file: {}, env: { TRUST_MESH_VALIDATOR: 'no' } }).validator, false);
    assert.equal(loadConfig({ dataDir, file: {}, env: { TRUST_MESH_VALIDATOR: '1' } }).validator, true);
    assert.equal(loadConfig({ dataDir, file: {}, env: {} }).validator, undefined);
  });
});
