// The simulator against real sockets: the shipped parity-10 scenario run by runSimulation and by ten real
// TrustMeshNodes (WebSockets on 127.0.0.1, SQLite in temp dirs) in the same topology ends with one state hash.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { MANUAL_CLOCK_START, ManualClock } from '../../src/core/memory/manual-clock.js';
import { MemoryLedger } from '../../src/core/memory/memory-ledger.js';
import { SeededEntropy } from '../../src/core/memory/seeded-entropy.js';
import type { Entropy } from '../../src/core/time.js';
import { randomBytes, sodiumCrypto } from '../../src/crypto/sodium.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { scenarioLoad } from '../../src/sim/agenda.js';
import {
  simulatedEntropySeed,
  simulatedKeyPair,
  simulatedNetwork,
  simulatedSigner,
} from '../../src/sim/keys.js';
import { summarise } from '../../src/sim/run.js';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import { SIM_PRINCIPAL, Simulator, simulatedProposal, simulatedRevocation } from '../../src/sim/simulator.js';
import { buildTopology } from '../../src/sim/topology.js';
import { TestMesh, waitFor } from '../support/mesh.js';
import { scenarioFile } from './support.js';

/**
 * Node `index`'s message ids from the same seeded stream its simulated engine draws from. Handshake nonces stay
 * random: how many handshakes real sockets make is not part of the scenario, and nonces never reach the ledger.
 */
function engineEntropy(seed: number, index: number): Entropy {
  const ids = new SeededEntropy(simulatedEntropySeed(seed, index, 0));
  return { messageId: () => ids.messageId(), nonce: () => randomBytes(32) };
}

/**
 * The scenario on ten real nodes: the simulated identities, one shared manual clock, links along the scenario's
 * graph, then its load one step at a time. Returns the nodes and how many ledger entries the steps made.
 */
async function realRun(mesh: TestMesh, scenario: Scenario, seed: number) {
  // Moved only between steps: every frame of a step is handled at the step's time, as in the simulator, where
  // 0 ms links deliver a whole step at one virtual instant.
  const clock = new ManualClock(MANUAL_CLOCK_START);
  const nodes: TrustMeshNode[] = [];
  for (let i = 0; i < scenario.nodes; i++) {
    // Only staked nodes vote, as in the simulator: a zero-stake vote is never counted, but it would draw an id.
    const validator = scenario.stakes[i]! > 0;
    const modules = { clock, entropy: engineEntropy(seed, i) };
    nodes.push(await mesh.start(simulatedKeyPair(i), { validator }, modules));
  }
  const adjacency = buildTopology(scenario.topology, scenario.nodes, seed);
  for (const [a, peers] of adjacency.entries())
    for (const b of peers) if (a < b) await mesh.link(nodes[a]!, nodes[b]!);
  await waitFor(() => nodes.every((node) => node.syncStatus().ready), 10_000, 'every node ready');

  // Each step stored everywhere before the next: every node then draws its ids (votes, commits, its own
  // proposals and revocations) in the same order as its simulated twin.
  let entries = 0;
  for (const { at, event } of scenarioLoad(scenario, seed)) {
    clock.set(MANUAL_CLOCK_START + at);
    const node = nodes[event.node]!;
    if (event.kind === 'propose') {
      const pending = node.submit(simulatedProposal(event.agentId, event.trustScore));
      const settled = await node.whenSettled(pending.id);
      assert.equal(settled.state, 'committed', `${event.agentId} at ${at} ms`);
    } else node.revoke(simulatedRevocation(event.agentId));
    entries++;
    await waitFor(
      () => nodes.every((peer) => peer.status().ledgerEntries === entries),
      10_000,
      `entry ${entries} everywhere`,
    );
  }
  return { nodes, entries };
}

describe('simulator and real sockets: the same 10-node scenario', () => {
  const scenario = loadScenario(scenarioFile('parity-10'));
  let mesh: TestMesh | null = null;
  afterEach(() => mesh?.cleanup());

  // The seed picks the graph and the generated scores: two seeds, two topologies.
  for (const seed of [1, 2]) {
    it(`seed ${seed}: all 10 simulated and all 10 real nodes end with one and the same state hash`, async () => {
      const simulator = new Simulator(scenario, { seed });
      simulator.run();
      const simulated = summarise(simulator, 0);
      assert.deepEqual(simulated.violations, []);
      assert.ok(simulated.proposals.every((proposal) => proposal.status === 'committed'));

      const signers = Array.from({ length: scenario.nodes }, (_, i) => simulatedSigner(i));
      mesh = new TestMesh(simulatedNetwork(sodiumCrypto, scenario, signers));
      const { nodes, entries } = await realRun(mesh, scenario, seed);

      // Record by record first, so that a difference names the agent and the field.
      for (const agentId of new Set(scenarioLoad(scenario, seed).map(({ event }) => event.agentId)))
        assert.deepEqual(
          nodes[0]!.record(agentId, SIM_PRINCIPAL),
          simulator.nodes[0]!.ledger.record(agentId, SIM_PRINCIPAL),
          agentId,
        );
      const real = nodes.map((node) => node.stateHash());
      assert.equal(new Set(simulated.stateHashes).size, 1, 'simulated nodes agree');
      assert.equal(new Set(real).size, 1, 'real nodes agree');
      assert.equal(real[0], simulated.stateHashes[0], 'real and simulated state hashes');
      // Not the empty state: eight commits and a revocation went into it.
      assert.equal(entries, 9);
      assert.notEqual(real[0], new MemoryLedger(sodiumCrypto).stateHash());
    });
  }
});
