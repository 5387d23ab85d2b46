// The devnet from a minimal bootstrap (8 real nodes, each told of node 0 alone): discovery links them into one
// mesh beyond the bootstrap star, the topology report says so, and the smoke scenario still converges over it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Devnet } from '../../src/devnet/devnet.js';
import { runSmoke, type SmokeReport } from '../../src/devnet/smoke.js';
import { settleTopology, type TopologyReport, topologyOf } from '../../src/devnet/topology.js';
import { FAST } from '../support/discovery.js';

describe('devnet with a minimal bootstrap (8 real nodes, discovery on)', { timeout: 90_000 }, () => {
  let devnet: Devnet;
  let topology: TopologyReport;
  let smoke: SmokeReport;

  before(async () => {
    // A target of 3 outbound links keeps 8 nodes from becoming a full mesh, so the diameter says something.
    devnet = await Devnet.start({
      nodes: 8,
      bootstrap: 'minimal',
      discovery: { ...FAST, targetOutbound: 3 },
    });
    topology = await settleTopology(devnet, { quietMs: 1_000, timeoutMs: 30_000 });
    smoke = await runSmoke(devnet, 45_000);
  });
  after(async () => {
    await devnet?.stop();
  });

  test('the links settle into one connected mesh', () => {
    assert.equal(topology.bootstrap, 'minimal');
    assert.equal(topology.settled, true, JSON.stringify(topology));
    assert.ok(Number.isFinite(topology.diameter) && topology.diameter >= 1, `diameter ${topology.diameter}`);
    assert.equal(topology.nodes, 8);
  });

  test('discovery built links beyond the bootstrap star', () => {
    const awayFromZero = topology.edges.filter(([a, b]) => a !== 0 && b !== 0);
    assert.ok(awayFromZero.length > 0, JSON.stringify(topology.edges));
    assert.ok(topology.degree.min >= 2, `degree ${JSON.stringify(topology.degree)}`);
    assert.ok(topology.degree.max <= 7);
    assert.ok(topology.degree.min <= topology.degree.mean && topology.degree.mean <= topology.degree.max);
    assert.equal(topology.degree.mean, (2 * topology.edges.length) / 8);
    assert.ok(topology.outbound.max >= 1);
    assert.ok(topology.routingTable.min >= 2, `routing ${JSON.stringify(topology.routingTable)}`);
  });

  test('the smoke scenario converges over the discovered mesh', () => {
    assert.equal(smoke.converged, true, JSON.stringify(smoke.updates));
    assert.equal(smoke.stateHashesEqual, true);
    for (const message of smoke.messages) assert.equal(message.reachedNodes, 8, message.id);
  });

  test('the ring bootstrap (the default) keeps discovery off and reports its hand-wired links', async () => {
    const ring = await Devnet.start({ nodes: 5 });
    try {
      await ring.waitForMesh();
      const report = topologyOf(ring);
      assert.equal(report.bootstrap, 'ring');
      assert.deepEqual(report.degree, { min: 2, mean: 2, max: 2 });
      assert.equal(report.diameter, 2);
    } finally {
      await ring.stop();
    }
  });
});
