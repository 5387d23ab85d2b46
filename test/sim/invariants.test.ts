// The invariant checker must catch what it claims to: each property is broken on purpose here and the
// violation must name the seed and step that replay it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeViolation, InvariantChecker } from '../../src/sim/invariants.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { SIM_PRINCIPAL, Simulator } from '../../src/sim/simulator.js';
import { scenarioFile } from './support.js';

function ranPartition(seed = 1) {
  const simulator = new Simulator(loadScenario(scenarioFile('partition-heal')), { seed });
  simulator.run();
  return simulator;
}

describe('invariant checker', () => {
  it('state agreement: two nodes that claim the same entries but hash differently are reported', () => {
    const simulator = ranPartition();
    const [minority, majority] = [simulator.nodes[0]!, simulator.nodes[9]!];
    assert.notEqual(minority.ledger.stateHash(), majority.ledger.stateHash());
    const checker = new InvariantChecker(simulator.scenario, simulator.nodes, 77);
    majority.entries = minority.entries;
    majority.fingerprint = [...minority.fingerprint];
    checker.noteChanged(9);
    checker.step(1234, 500);
    assert.equal(checker.violations.length, 1);
    const [violation] = checker.violations;
    assert.equal(violation!.invariant, 'state-agreement');
    assert.equal(violation!.seed, 77);
    assert.equal(violation!.step, 1234);
    assert.match(describeViolation(violation!, 'partition-heal'), /--seed 77 --until-step 1234/);
  });

  it('minority commit: a commit on the ≤ 50% side of a proposal opened after the cut is reported, one opened before is not', () => {
    const simulator = ranPartition();
    const checker = new InvariantChecker(simulator.scenario, simulator.nodes, 1);
    checker.checkOwnCommit(10, 3500, 1, 2999, [0]);
    assert.equal(checker.violations.length, 0, 'opened before the cut: its votes may already be on the way');
    checker.checkOwnCommit(11, 4200, 1, 4000, [0]);
    assert.equal(checker.violations.length, 1);
    assert.equal(checker.violations[0]!.invariant, 'minority-commit');
    checker.checkOwnCommit(12, 4200, 6, 4000, [0]);
    assert.equal(checker.violations.length, 1, 'the majority side may commit');
  });

  it('revocation: a node that applied a revocation and no longer reads the agent as revoked is reported', () => {
    const simulator = ranPartition();
    const checker = new InvariantChecker(simulator.scenario, simulator.nodes, 1);
    // Node 9 never applied this revocation; claiming it did must fail (the record is not revoked there).
    const held = simulator.nodes[0]!.ledger.openRevocations('revoked-in-minority', SIM_PRINCIPAL);
    assert.equal(held.length, 1);
    checker.noteRevocation(9, { id: held[0]!, agentId: 'revoked-in-minority', principalId: SIM_PRINCIPAL });
    checker.noteChanged(9);
    checker.step(5, 5);
    assert.equal(checker.violations[0]?.invariant, 'revocation-lost');
    // Where it was applied, it holds.
    const fine = new InvariantChecker(simulator.scenario, simulator.nodes, 1);
    fine.noteRevocation(0, { id: held[0]!, agentId: 'revoked-in-minority', principalId: SIM_PRINCIPAL });
    fine.noteChanged(0);
    fine.step(5, 5);
    assert.deepEqual(fine.violations, []);
  });

  it('runs stop at the first violation by default', () => {
    const simulator = new Simulator(loadScenario(scenarioFile('smoke-10')), { seed: 1 });
    // Break the grouping: nodes 0 and 1 claim the same entries whatever they store, so the first commit that
    // reaches one before the other shows as a disagreement.
    const node1 = simulator.nodes[1]!;
    const node0 = simulator.nodes[0]!;
    node0.fingerprintKey = () => `x${node0.entries}`;
    node1.fingerprintKey = () => `x${node0.entries}`;
    simulator.run();
    const violations = simulator.invariants!.violations;
    assert.ok(violations.length >= 1);
    assert.equal(simulator.steps, violations[0]!.step);
    assert.ok(simulator.now() < simulator.scenario.durationMs);
  });
});
