// The simulator's library entry point: runSimulation(scenario, { seed }) runs one scenario and sums it up.
// Everything in the result except wallMs and heapUsedBytes depends only on the scenario and the seed.

import { emptyEngineStats } from '../core/engine/state.js';
import type { EngineStats } from '../core/engine/types.js';
import { minimumLatency } from './distributions.js';
import type { Violation } from './invariants.js';
import type { ProposalTrace } from './measurements.js';
import type { WireCounters } from './network.js';
import { loadScenario, type Scenario } from './scenario.js';
import { Simulator, type SimulatorOptions } from './simulator.js';
import { hopsToReach, meanDegree } from './topology.js';

/** Which signature primitives a run used: results always say so. */
export const REAL_SIGNATURES = 'sodium-native Ed25519 (real signatures)';

export interface Spread {
  /** Nodes that got it, out of all nodes. */
  readonly reached: number;
  /** Virtual ms after it was made until 50 / 90 / 99 / 100% of all nodes had it; null if never. */
  readonly t50: number | null;
  readonly t90: number | null;
  readonly t99: number | null;
  readonly t100: number | null;
}

export interface ProposalResult extends Spread {
  readonly node: number;
  readonly agentId: string;
  readonly openedAtMs: number;
  readonly status: string;
  readonly reason: string | null;
  /** Virtual ms from proposing to the proposer's COMMIT. */
  readonly commitMs: number | null;
}

export interface RevocationResult extends Spread {
  readonly node: number;
  readonly agentId: string;
  readonly issuedAtMs: number;
  /** Breadth-first hops to 99% of nodes × the smallest link latency: what no flood can beat. */
  readonly shortestPathBound99Ms: number;
}

export interface SimulationResult {
  readonly scenario: string;
  readonly seed: number;
  readonly signatures: string;
  readonly sync: string;
  readonly nodes: number;
  readonly members: number;
  readonly validators: number;
  readonly meanDegree: number;
  readonly durationMs: number;
  /** Virtual time of the last event handled. */
  readonly endedAtMs: number;
  readonly steps: number;
  readonly logLines: number;
  /** SHA-256 over the event log: equal for equal seeds. */
  readonly logDigest: string;
  readonly stateHashes: readonly string[];
  readonly distinctStateHashes: number;
  /** Every node ends with the same state hash. */
  readonly converged: boolean;
  readonly proposals: readonly ProposalResult[];
  readonly revocations: readonly RevocationResult[];
  readonly wire: WireCounters;
  readonly engines: EngineStats & { signaturesVerified: number; running: number; restarts: number };
  readonly invariantChecks: number;
  readonly violations: readonly Violation[];
  /** The whole log when asked for (keepLog), else its last lines. */
  readonly log: readonly string[];
  readonly wallMs: number;
  readonly heapUsedBytes: number;
}

export type RunOptions = SimulatorOptions;

export function runSimulation(scenario: Scenario | unknown, options: RunOptions): SimulationResult {
  const loaded = isLoaded(scenario) ? scenario : loadScenario(scenario);
  const started = performance.now();
  const simulator = new Simulator(loaded, options);
  simulator.run();
  return summarise(simulator, performance.now() - started);
}

const isLoaded = (value: unknown): value is Scenario =>
  typeof value === 'object' && value !== null && 'file' in value && 'clockOffsets' in value;

function spread(arrivals: Iterable<number>, since: number, nodes: number): Spread {
  const delays = [...arrivals].map((at) => at - since).sort((a, b) => a - b);
  const at = (fraction: number): number | null => {
    const wanted = Math.max(1, Math.ceil(fraction * nodes));
    return wanted <= delays.length ? round(delays[wanted - 1]!) : null;
  };
  return { reached: delays.length, t50: at(0.5), t90: at(0.9), t99: at(0.99), t100: at(1) };
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

export function summarise(simulator: Simulator, wallMs: number): SimulationResult {
  const { scenario, nodes, measurements, options } = simulator;
  const stateHashes = nodes.map((node) => node.ledger.stateHash());
  const distinct = new Set(stateHashes).size;
  const engines = {
    ...emptyEngineStats(),
    signaturesVerified: 0,
    running: 0,
    restarts: 0,
  };
  for (const node of nodes) {
    engines.restarts += Math.max(0, node.starts - 1);
    if (node.engine === null) continue;
    engines.running++;
    for (const key of Object.keys(node.engine.stats) as (keyof EngineStats)[])
      engines[key] += node.engine.stats[key];
    engines.signaturesVerified += node.engine.verifier.stats.verified;
  }
  const floor = minimumLatency(scenario.latency);
  return {
    scenario: scenario.name,
    seed: options.seed,
    signatures:
      options.crypto === undefined ? REAL_SIGNATURES : `injected: ${options.cryptoName ?? 'unnamed Crypto'}`,
    sync: options.sync?.name ?? 'none (live gossip only)',
    nodes: scenario.nodes,
    members: scenario.members,
    validators: scenario.stakes.filter((stake) => stake > 0).length,
    meanDegree: round(meanDegree(simulator.adjacency)),
    durationMs: scenario.durationMs,
    endedAtMs: round(simulator.now()),
    steps: simulator.steps,
    logLines: simulator.log.count,
    logDigest: simulator.log.digest(),
    stateHashes,
    distinctStateHashes: distinct,
    converged: distinct === 1,
    proposals: measurements.proposals.map((trace) => proposalResult(trace, scenario.nodes)),
    revocations: measurements.revocations.map((trace) => ({
      node: trace.node,
      agentId: trace.agentId,
      issuedAtMs: trace.issuedAt,
      ...spread(trace.applied.values(), trace.issuedAt, scenario.nodes),
      shortestPathBound99Ms: hopsToReach(simulator.adjacency, trace.node, 0.99) * floor,
    })),
    wire: simulator.wire.counters,
    engines,
    invariantChecks: simulator.invariants?.checks ?? 0,
    violations: simulator.invariants?.violations ?? [],
    log: simulator.log.lines ?? simulator.log.lastLines(40),
    wallMs: Math.round(wallMs),
    heapUsedBytes: process.memoryUsage().heapUsed,
  };
}

function proposalResult(trace: ProposalTrace, nodes: number): ProposalResult {
  return {
    node: trace.node,
    agentId: trace.agentId,
    openedAtMs: trace.openedAt,
    status: trace.status,
    reason: trace.reason ?? null,
    commitMs: trace.committedAt === undefined ? null : round(trace.committedAt - trace.openedAt),
    ...spread(trace.reached.values(), trace.openedAt, nodes),
  };
}
