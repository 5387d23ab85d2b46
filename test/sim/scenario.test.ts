// Scenario files: every shipped one loads; defaults are filled in; mistakes are refused with the field named.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadScenario } from '../../src/sim/scenario.js';
import { scenarioFile } from './support.js';

const SHIPPED = readdirSync(new URL('../../../scenarios/', import.meta.url)).filter((name) =>
  name.endsWith('.json'),
);

const refused = (value: unknown, pattern: RegExp) =>
  assert.throws(
    () => loadScenario(value),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'TM_ERR_SCENARIO_INVALID');
      assert.match(error.message, pattern);
      return true;
    },
  );

describe('scenario files', () => {
  it('every shipped scenario loads', () => {
    assert.ok(SHIPPED.length >= 6);
    for (const name of SHIPPED) loadScenario(scenarioFile(name.replace(/\.json$/, '')));
  });

  it('fills defaults: 50 ms fixed links, no loss, every node a member, announces gossiped', () => {
    const scenario = loadScenario({
      name: 'x',
      nodes: 4,
      stakes: [10, 20],
      topology: { kind: 'full' },
      durationMs: 1000,
    });
    assert.deepEqual(scenario.latency, { kind: 'fixed', ms: 50 });
    assert.equal(scenario.loss, 0);
    assert.equal(scenario.members, 4);
    assert.deepEqual(scenario.stakes, [10, 20, 0, 0]);
    assert.equal(scenario.gossipAnnounces, true);
    assert.equal(scenario.updates, null);
  });

  it('refuses bad files, naming the field', () => {
    const base = { name: 'x', nodes: 4, stakes: [1], topology: { kind: 'full' }, durationMs: 1000 };
    refused({ ...base, nodes: 0 }, /\/nodes/);
    refused({ ...base, extra: 1 }, /\//);
    refused({ ...base, links: { loss: 2 } }, /\/links\/loss/);
    refused({ ...base, topology: { kind: 'star' } }, /\/topology/);
    refused({ ...base, load: { revocations: [{ atMs: 1, node: 9 }] } }, /node 9 does not exist/);
    refused({ ...base, members: 2, load: { proposals: [{ atMs: 1, node: 3 }] } }, /not a member/);
    refused({ ...base, members: 1, stakes: [1, 1] }, /only members hold stake/);
    refused({ ...base, faults: { crashes: [{ node: 1, atMs: 10, restartMs: 5 }] } }, /restart before crash/);
    refused({ ...base, faults: { partitions: [{ atMs: 10, healMs: 10, side: [0] }] } }, /healed before cut/);
    refused({ ...base, params: { clockSkewMs: 5, bogus: 1 } }, /bogus/);
  });
});
