// The API's record cache on a real node: a cached record is dropped by its own commit or revocation (and only
// by those), the cache stays within its capacity, and a light node bypasses it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RecordCache } from '../../src/api/record-cache.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { TestMesh } from '../support/mesh.js';

describe('API record cache', () => {
  const mesh = new TestMesh(testNetwork([100]));
  let node: TrustMeshNode;

  const commit = async (agentId: string, trustScore: number) => {
    const proposed = node.submit({ agentId, principalId: 'p', trustScore, event: 'SCORE_UPDATE' });
    assert.equal((await node.whenSettled(proposed.id)).state, 'committed');
  };

  before(async () => {
    node = await mesh.start(testKeyPair(0), { type: 'bridge', validator: true });
  });
  after(() => mesh.cleanup());

  test('serves the same record until a commit or revocation for that subject arrives', async () => {
    const cache = new RecordCache(node, { capacity: 10, maxAgeMs: 60_000 });
    try {
      await commit('a', 100);
      await commit('b', 200);
      const first = await cache.lookup('a', 'p');
      assert.equal(first?.trustScore, 100);
      assert.equal(await cache.lookup('a', 'p'), first, 'a hit returns the held record');
      await commit('b', 201);
      assert.equal(await cache.lookup('a', 'p'), first, "another subject's commit leaves it alone");
      await commit('a', 101);
      assert.equal((await cache.lookup('a', 'p'))?.trustScore, 101);
      node.revoke({ agentId: 'a', principalId: 'p', reason: 'compromised' });
      await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
      assert.equal((await cache.lookup('a', 'p'))?.revoked, true);
      assert.equal(await cache.lookup('nobody', 'p'), null);
    } finally {
      cache.close();
    }
  });

  test('holds at most its capacity and lets go of its listeners on close', async () => {
    const before = node.listenerCount('committed');
    const cache = new RecordCache(node, { capacity: 2, maxAgeMs: 60_000 });
    for (const agent of ['a', 'b', 'a', 'b']) await cache.lookup(agent, 'p');
    await commit('c', 300);
    await cache.lookup('c', 'p');
    assert.equal(cache.size, 2);
    cache.close();
    assert.equal(node.listenerCount('committed'), before);
  });
});
