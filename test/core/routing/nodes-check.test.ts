// NODES entries before they reach a lookup: capped at k, nodeId the key's hash, a dialable endpoint, no repeats.
// Real keys (sodium) so the hash check is the real one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PeerInfo } from '../../../src/core/messages/schemas.js';
import { checkNodes } from '../../../src/core/routing/nodes-check.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { testSigner } from '../../support/fixtures.js';

const info = (index: number, endpoint = `ws://127.0.0.${index + 2}:1/mesh`): PeerInfo => ({
  nodeId: testSigner(index).nodeId,
  publicKey: testSigner(index).publicKey,
  endpoints: [endpoint],
  capabilities: ['FULL_NODE'],
});

describe('checkNodes', () => {
  it('keeps well-formed entries and drops forged, undialable, repeated, self and overflowing ones', () => {
    const forged = { ...info(3), publicKey: testSigner(4).publicKey };
    const nodes = [info(1), info(1), forged, info(0), info(5, 'ws:///mesh'), info(6), info(7), info(8)];
    const tally = checkNodes(sodiumCrypto, testSigner(0).nodeId, nodes, 7);
    assert.deepEqual(
      tally.kept.map((node) => node.nodeId),
      [info(1), info(6), info(7)].map((node) => node.nodeId),
    );
    assert.deepEqual(
      { overflow: tally.overflow, malformed: tally.malformed, duplicate: tally.duplicate, self: tally.self },
      { overflow: 1, malformed: 2, duplicate: 1, self: 1 },
    );
  });
});
