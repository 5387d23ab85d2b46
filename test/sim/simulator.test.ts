// The simulator end to end on the shipped scenarios: reproducible event logs, convergence on a clean mesh and
// what does and does not converge today under loss, partitions, crashes and clock offsets (no catch-up sync yet).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSimulation, summarise } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { SIM_PRINCIPAL, Simulator, type SimulatorOptions } from '../../src/sim/simulator.js';
import { OracleSync } from './oracle-sync.js';
import { scenarioFile } from './support.js';

function simulate(name: string, options: SimulatorOptions) {
  const simulator = new Simulator(loadScenario(scenarioFile(name)), options);
  simulator.run();
  return { simulator, result: summarise(simulator, 0) };
}

const revoked = (simulator: Simulator, node: number, agentId: string): boolean | undefined =>
  simulator.nodes[node]!.ledger.record(agentId, SIM_PRINCIPAL)?.revoked;

describe('simulator: reproducible runs', () => {
  it('the same seed gives the same event log, state hashes and figures; another seed a different log', () => {
    const file = scenarioFile('loss-10pct');
    const first = runSimulation(file, { seed: 11 });
    const again = runSimulation(file, { seed: 11 });
    const other = runSimulation(file, { seed: 12 });
    assert.equal(again.logDigest, first.logDigest);
    assert.equal(again.logLines, first.logLines);
    assert.deepEqual(again.stateHashes, first.stateHashes);
    assert.deepEqual(again.proposals, first.proposals);
    assert.deepEqual(again.wire, first.wire);
    assert.notEqual(other.logDigest, first.logDigest);
  });

  it('untilStep stops at that step, the same way every time (how a violation is replayed)', () => {
    const a = runSimulation(scenarioFile('smoke-10'), { seed: 5, untilStep: 400 });
    const b = runSimulation(scenarioFile('smoke-10'), { seed: 5, untilStep: 400 });
    assert.equal(a.steps, 400);
    assert.equal(b.logDigest, a.logDigest);
    assert.notEqual(
      runSimulation(scenarioFile('smoke-10'), { seed: 5, untilStep: 401 }).logDigest,
      a.logDigest,
    );
  });
});

describe('simulator: a clean 10-node mesh', () => {
  it('commits every update everywhere, applies the revocation everywhere, ends with one state hash', () => {
    const { simulator, result } = simulate('smoke-10', { seed: 1 });
    assert.equal(result.signatures, 'sodium-native Ed25519 (real signatures)');
    assert.deepEqual(result.violations, []);
    assert.ok(result.invariantChecks > 0);
    assert.equal(result.proposals.length, 10);
    for (const proposal of result.proposals) {
      assert.equal(proposal.status, 'committed');
      assert.equal(proposal.reached, 10);
    }
    assert.equal(result.revocations[0]!.reached, 10);
    assert.equal(result.converged, true);
    for (let node = 0; node < 10; node++) assert.equal(revoked(simulator, node, 'agent-2'), true);
    // With fixed 50 ms links a flood cannot beat hops × 50 ms, and on a clean mesh it meets the bound.
    assert.equal(result.revocations[0]!.t100, result.revocations[0]!.shortestPathBound99Ms);
  });
});

describe('simulator: 10% frame loss (dissemination tree with lazy repair, no sync)', () => {
  it('seeds 1-5: about 10% of frames lost, every update commits, every commit reaches at least 9 of 10 nodes', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const result = runSimulation(scenarioFile('loss-10pct'), { seed });
      const lossRate = result.wire.framesLost / result.wire.framesSent;
      assert.ok(lossRate > 0.06 && lossRate < 0.14, `seed ${seed}: loss ${lossRate}`);
      assert.deepEqual(result.violations, []);
      const committed = result.proposals.filter((p) => p.status === 'committed');
      assert.equal(committed.length, 10, `seed ${seed}: ${committed.length} committed`);
      for (const proposal of committed) assert.ok(proposal.reached >= 9, `seed ${seed}: ${proposal.reached}`);
      assert.equal(result.revocations[0]!.reached, 10, 'a revocation floods: every node');
    }
  });

  it('seed 3: a commit lost on its tree link and on the repair is left to sync; with the oracle sync, all converge', () => {
    const alone = runSimulation(scenarioFile('loss-10pct'), { seed: 3 });
    assert.equal(alone.converged, false);
    assert.deepEqual(
      alone.proposals.map((p) => p.reached).filter((reached) => reached < 10),
      [9, 9],
    );
    const synced = runSimulation(scenarioFile('loss-10pct'), { seed: 3, sync: new OracleSync() });
    assert.equal(synced.converged, true);
  });
});

describe('simulator: a partition (nodes 0-3, 40% of stake, cut off from 3 s to 9 s)', () => {
  it('the minority commits nothing, the majority commits on its side only, and nothing is repaired after the heal', () => {
    const { simulator, result } = simulate('partition-heal', { seed: 1 });
    assert.deepEqual(result.violations, []);
    const [before, minority, majority, after] = result.proposals;
    assert.equal(before!.status, 'committed');
    assert.equal(before!.reached, 10);
    assert.equal(minority!.status, 'rejected');
    assert.equal(minority!.reason, 'TM_ERR_PROPOSAL_EXPIRED');
    assert.equal(minority!.reached, 0);
    assert.equal(majority!.status, 'committed');
    assert.equal(majority!.reached, 6, 'only the six majority nodes store it');
    assert.equal(after!.status, 'committed');
    assert.equal(after!.reached, 10, 'live gossip works across the healed cut');
    // The revocation issued inside the minority stays there: nothing re-sends it after the heal.
    assert.equal(result.revocations[0]!.reached, 4);
    for (let node = 0; node < 4; node++) assert.equal(revoked(simulator, node, 'revoked-in-minority'), true);
    for (let node = 4; node < 10; node++)
      assert.equal(revoked(simulator, node, 'revoked-in-minority'), undefined);
    assert.equal(result.distinctStateHashes, 2, 'no catch-up sync yet: the two sides stay apart');
    assert.ok(result.wire.framesCut > 0);
  });

  it('with a sync driver plugged into the hook (a test oracle copying entries), the sides converge after the heal', () => {
    const sync = new OracleSync();
    const { simulator, result } = simulate('partition-heal', { seed: 1, sync });
    assert.deepEqual(result.violations, []);
    assert.equal(result.sync, sync.name);
    assert.ok(sync.imported > 0);
    assert.equal(result.converged, true);
    for (let node = 0; node < 10; node++) assert.equal(revoked(simulator, node, 'revoked-in-minority'), true);
    // The oracle copies entries; it cannot make the expired minority proposal commit.
    assert.equal(result.proposals[1]!.reached, 0);
  });
});

/** The crash-restart scenario with node 4 away from `atMs` to `backMs` (crashed, or only disconnected). */
function away(kind: 'crash' | 'disconnect', atMs: number, backMs: number, options: SimulatorOptions) {
  const faults =
    kind === 'crash'
      ? { crashes: [{ node: 4, atMs, restartMs: backMs }] }
      : { disconnects: [{ node: 4, atMs, backMs }] };
  const simulator = new Simulator(loadScenario({ ...scenarioFile('crash-restart'), faults }), options);
  simulator.run();
  const result = summarise(simulator, 0);
  const ledger = simulator.nodes[4]!.ledger;
  const held = result.proposals
    .map((p) => p.agentId)
    .filter((agent) => ledger.record(agent, SIM_PRINCIPAL) !== null);
  return { simulator, result, held };
}

const EVERY_AGENT = Array.from({ length: 10 }, (_, i) => `agent-${i}`);

describe('simulator: crash and restart from storage', () => {
  it('node 4, down 4 s, keeps what it stored and is told on reconnecting of the recent commits it missed', () => {
    const { simulator, result } = simulate('crash-restart', { seed: 1, keepLog: true });
    assert.deepEqual(result.violations, []);
    assert.equal(result.engines.restarts, 1);
    const node4 = simulator.nodes[4]!.ledger;
    assert.deepEqual(
      result.proposals.map((p) => p.agentId).filter((agent) => node4.record(agent, SIM_PRINCIPAL) !== null),
      EVERY_AGENT,
    );
    for (const proposal of result.proposals) assert.equal(proposal.status, 'committed');
    assert.equal(result.converged, true);
    // Each neighbour's IHAVE on the new link, then node 4's GRAFT for what it lacks.
    assert.ok(result.log.some((line) => / n4 <n\d IHAVE /.test(line)));
    assert.ok(result.log.some((line) => / n\d <n4 GRAFT /.test(line)));
  });

  it('down 7 s, longer than recent ids are announced: misses the older commits; the oracle sync catches it up', () => {
    const { result, held } = away('crash', 2_200, 9_200, { seed: 1 });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(held, ['agent-0', ...EVERY_AGENT.slice(4)]);
    assert.notEqual(result.stateHashes[4], result.stateHashes[0]);
    assert.equal(new Set(result.stateHashes.filter((_, i) => i !== 4)).size, 1, 'the nine others agree');
    assert.equal(away('crash', 2_200, 9_200, { seed: 1, sync: new OracleSync() }).result.converged, true);
  });
});

describe('simulator: one node 5 minutes ahead (allowed skew 60 s)', () => {
  it('its proposal gets no votes and expires, it refuses every commit and others refuse its revocation', () => {
    const { simulator, result } = simulate('clock-offset', { seed: 1, keepLog: true });
    assert.deepEqual(result.violations, []);
    const own = result.proposals.find((p) => p.node === 2)!;
    assert.equal(own.status, 'rejected');
    assert.equal(own.reason, 'TM_ERR_PROPOSAL_EXPIRED');
    for (const proposal of result.proposals.filter((p) => p.node !== 2)) {
      assert.equal(proposal.status, 'committed');
      assert.equal(proposal.reached, 9, 'every node but the skewed one');
    }
    assert.equal(simulator.nodes[2]!.ledger.size(), 1, 'it holds only its own revocation');
    assert.equal(result.revocations[0]!.reached, 1);
    assert.ok(
      result.log.some((line) => /^\S+ n\d <n2 TRUST_UPDATE \S+ ignore:TM_ERR_TIMESTAMP_SKEW$/.test(line)),
    );
    assert.ok(result.log.some((line) => /^\S+ n2 <n\d COMMIT \S+ ignore:TM_ERR_TIMESTAMP_SKEW$/.test(line)));
    assert.ok(
      result.log.some((line) => /^\S+ n\d <n2 REVOCATION \S+ ignore:TM_ERR_TIMESTAMP_SKEW$/.test(line)),
    );
    assert.equal(new Set(result.stateHashes.filter((_, i) => i !== 2)).size, 1);
  });
});

describe('simulator: churn (connections close, the engine keeps running)', () => {
  it('a node away from 3.2 s to 7.2 s, without a restart, is told of what committed meanwhile', () => {
    const { result, held } = away('disconnect', 3_200, 7_200, { seed: 1, keepLog: true });
    assert.deepEqual(result.violations, []);
    assert.equal(result.engines.restarts, 0);
    assert.deepEqual(held, EVERY_AGENT);
    assert.ok(result.log.some((line) => / n4 disconnect$/.test(line)));
  });

  it('away from 2.2 s to 9.2 s it misses the commits no longer announced and takes the recent and later ones', () => {
    const { result, held } = away('disconnect', 2_200, 9_200, { seed: 1 });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(held, ['agent-0', ...EVERY_AGENT.slice(4)]);
  });
});

describe('simulator: reordering (uniform 10-150 ms latency, frames may overtake each other)', () => {
  it('seeds 1-3: every update commits everywhere, the revocation reaches all, one state hash, invariants hold', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const result = runSimulation(scenarioFile('reorder'), { seed });
      assert.deepEqual(result.violations, []);
      assert.equal(result.proposals.length, 20);
      for (const proposal of result.proposals) assert.equal(proposal.reached, 10, `seed ${seed}`);
      assert.equal(result.revocations[0]!.reached, 10);
      assert.equal(result.converged, true);
    }
  });
});
