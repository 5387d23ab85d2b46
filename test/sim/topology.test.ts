// Topology builders and shortest paths: seeded random graphs are reproducible and connected, rings and full
// meshes have the shape their names say, and hop bounds count what a flood must cross.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTopology, hopsFrom, hopsToReach, meanDegree } from '../../src/sim/topology.js';

describe('topology', () => {
  it('a random graph where each node dials d others: seeded, symmetric, every node degree ≥ d, connected', () => {
    const a = buildTopology({ kind: 'random', dials: 8 }, 200, 1);
    assert.deepEqual(buildTopology({ kind: 'random', dials: 8 }, 200, 1), a);
    assert.notDeepEqual(buildTopology({ kind: 'random', dials: 8 }, 200, 2), a);
    for (const [node, near] of a.entries()) {
      assert.ok(near.length >= 8, `node ${node} has ${near.length} links`);
      assert.ok(!near.includes(node));
      for (const peer of near) assert.ok(a[peer]!.includes(node), 'links are undirected');
    }
    assert.ok(hopsFrom(a, 0).every((hops) => hops >= 0));
    assert.ok(meanDegree(a) > 13 && meanDegree(a) < 17);
  });

  it('a random graph joins stray components (one dial each on a large graph falls apart otherwise)', () => {
    const graph = buildTopology({ kind: 'random', dials: 1 }, 500, 3);
    assert.ok(hopsFrom(graph, 0).every((hops) => hops >= 0));
  });

  it('ring and full', () => {
    const ring = buildTopology({ kind: 'ring' }, 6, 0);
    assert.deepEqual(ring[0], [1, 5]);
    assert.equal(hopsToReach(ring, 0, 1), 3);
    const full = buildTopology({ kind: 'full' }, 5, 0);
    assert.ok(full.every((near) => near.length === 4));
    assert.equal(hopsToReach(full, 2, 1), 1);
  });

  it('hopsToReach counts the source itself among the nodes reached', () => {
    const ring = buildTopology({ kind: 'ring' }, 10, 0);
    // 0 hops: 1 node; 1 hop: 3; 2 hops: 5; 3: 7; 4: 9; 5: 10.
    assert.equal(hopsToReach(ring, 0, 0.5), 2);
    assert.equal(hopsToReach(ring, 0, 0.9), 4);
    assert.equal(hopsToReach(ring, 0, 0.99), 5);
  });
});
