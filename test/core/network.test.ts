import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readNetworkFile, resolveNetworkPath } from '../../src/config/network-file.js';
import { TrustMeshError } from '../../src/core/errors.js';
import { DEFAULT_PARAMS, loadNetwork } from '../../src/core/network.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { testSigner } from '../support/fixtures.js';

const base = {
  networkId: 'n1',
  genesisTime: '2026-01-01T00:00:00.000Z',
  epochMs: 60_000,
  nodes: [{ endpoint: 'wss://a.example:8080', publicKey: testSigner(0).publicKey, stake: 10 }],
};

const failsWith = (value: unknown, pattern: RegExp) =>
  assert.throws(
    () => loadNetwork(sodiumCrypto, value),
    (error: unknown) =>
      error instanceof TrustMeshError &&
      error.code === 'TM_ERR_NETWORK_FILE_INVALID' &&
      pattern.test(error.message),
  );

describe('network file', () => {
  test('fills defaults and derives node ids', () => {
    const network = loadNetwork(sodiumCrypto, base);
    assert.deepEqual(network.params, DEFAULT_PARAMS);
    assert.equal(network.nodes[0]!.nodeId, testSigner(0).nodeId);
    assert.equal(network.genesisTime, Date.parse(base.genesisTime));
  });

  test('refuses invalid files, naming the field', () => {
    failsWith({ ...base, networkId: 'Bad Id' }, /networkId/);
    failsWith({ ...base, epochMs: 5 }, /epochMs/);
    failsWith({ ...base, genesisTime: '2026-02-30T00:00:00Z' }, /genesisTime/);
    failsWith({ ...base, nodes: [{ endpoint: 'wss://x', stake: 5 }] }, /stake needs its publicKey/);
    failsWith({ ...base, nodes: [{ stake: 0 }] }, /endpoint, a publicKey or both/);
    failsWith({ ...base, nodes: [...base.nodes, ...base.nodes] }, /duplicate publicKey/);
    failsWith({ ...base, params: { clockSkewMs: 'soon' } }, /clockSkewMs/);
    failsWith({ ...base, surprise: true }, /./);
  });

  test('the shipped public network file names the spec bootstrap endpoints', () => {
    const network = readNetworkFile(resolveNetworkPath('agentproof', '/'));
    assert.deepEqual(
      network.nodes.map((node) => node.endpoint),
      [
        'wss://mesh-1.agentproof.io:8080',
        'wss://mesh-2.agentproof.io:8080',
        'wss://mesh-3.agentproof.io:8080',
      ],
    );
  });
});
