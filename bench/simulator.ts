// The deterministic simulator at scale: revocation time to 99% of 1,000 nodes on 50 ms links against the
// topology's shortest-path bound, the shipped 1,000-node fault scenario's wall time, and how 10,000 nodes fare.
import { readFileSync } from 'node:fs';
import { runSimulation, type SimulationResult } from '../src/sim/run.js';
import type { ScenarioFile } from '../src/sim/scenario.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { median, round } from './support.js';

const shipped = (name: string): ScenarioFile =>
  JSON.parse(readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8')) as ScenarioFile;

/** N nodes, each dialling 8, 50 ms links, 20 validators; a revocation from a non-validator and `updates` updates. */
function revocationScenario(nodes: number, members: number, updates: number): ScenarioFile {
  return {
    name: `revocation-${nodes}`,
    nodes,
    members,
    stakes: { validators: 20, stake: 100 },
    topology: { kind: 'random', dials: 8 },
    links: { latency: { kind: 'fixed', ms: 50 } },
    durationMs: 3000,
    gossipAnnounces: false,
    load: {
      ...(updates > 0
        ? { updates: { perSecond: 1, fromMs: 500, untilMs: 500 + 1000 * updates, proposers: [0] } }
        : {}),
      revocations: [{ atMs: 1000, node: members - 1, agentId: 'agent-0' }],
    },
  };
}

const MiB = 2 ** 20;

function timed(file: ScenarioFile, seed: number, log: (line: string) => void): SimulationResult {
  const result = runSimulation(file, { seed });
  const revocation = result.revocations[0];
  log(
    `${file.name} seed ${seed}: wall ${result.wallMs} ms, ${result.steps} events, heap ${Math.round(result.heapUsedBytes / MiB)} MiB` +
      (revocation
        ? `, revocation t99 ${revocation.t99} ms (bound ${revocation.shortestPathBound99Ms} ms)`
        : '') +
      `, ${result.violations.length} violations`,
  );
  if (result.violations.length > 0) throw new Error(`${file.name} seed ${seed}: invariant broken`);
  return result;
}

export const simulatorBench: Bench = {
  name: 'simulator',
  title: 'Deterministic simulator: revocation to 99% of 1,000 nodes vs the shortest-path bound; 10,000 nodes',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    const seeds = full ? [1, 2, 3] : [1];
    const figures: Record<string, number> = {};
    const units: Record<string, string> = {};
    const put = (key: string, value: number, unit: string) => {
      figures[key] = value;
      units[key] = unit;
    };

    const thousand = seeds.map((seed) => timed(revocationScenario(1000, 1000, 0), seed, log));
    const t99 = thousand.map((r) => r.revocations[0]!.t99 ?? Number.POSITIVE_INFINITY);
    const bound = thousand.map((r) => r.revocations[0]!.shortestPathBound99Ms);
    put('revocationT99_1000', median(t99), 'virtual ms');
    put('shortestPathBound99_1000', median(bound), 'virtual ms');
    put('revocationVsBound_1000', round(median(t99.map((t, i) => t / bound[i]!)), 3), 'ratio (target ≤ 1.2)');
    put('revocationRunWall_1000', median(thousand.map((r) => r.wallMs)), 'ms wall');

    const faults = seeds.map((seed) => timed(shipped('thousand-nodes'), seed, log));
    put('faultScenarioWall_1000', median(faults.map((r) => r.wallMs)), 'ms wall (target < 60000)');
    put('faultScenarioEvents_1000', median(faults.map((r) => r.steps)), 'events');
    put(
      'faultScenarioCommitT99_1000',
      median(
        faults.flatMap((r) => r.proposals.map((p) => p.t99 ?? Number.NaN)).filter((t) => !Number.isNaN(t)),
      ),
      'virtual ms (median over committed updates)',
    );

    const big = full ? shipped('ten-thousand-nodes') : revocationScenario(10_000, 100, 1);
    const tenThousand = timed(big, 1, log);
    put('wall_10000', tenThousand.wallMs, 'ms wall');
    put('events_10000', tenThousand.steps, 'events');
    put('heapUsed_10000', Math.round(tenThousand.heapUsedBytes / MiB), 'MiB after the run');
    put('revocationT99_10000', tenThousand.revocations[0]!.t99 ?? -1, 'virtual ms');
    put('shortestPathBound99_10000', tenThousand.revocations[0]!.shortestPathBound99Ms, 'virtual ms');
    const revoked = tenThousand.revocations[0]!;
    put(
      'revocationVsBound_10000',
      revoked.t99 === null || revoked.t99 === undefined
        ? -1
        : round(revoked.t99 / revoked.shortestPathBound99Ms, 3),
      'ratio (-1: 99% not reached)',
    );
    put('converged_10000', tenThousand.converged ? 1 : 0, 'boolean');
    put('peakRss', Math.round(process.resourceUsage().maxRSS / 1024), 'MiB (whole bench process)');

    return {
      name: 'simulator',
      title: this.title,
      setup: {
        seeds: seeds.join(','),
        topology: 'random graph, each node dials 8 (mean degree ≈ 16)',
        links: 'fixed 50 ms, no loss, unlimited bandwidth',
        validators: 20,
        signatures: thousand[0]!.signatures,
        announces: 'PEER_ANNOUNCE dropped on the wire (discovery not simulated)',
        tenThousand: big.name,
      },
      figures,
      units,
      notes: [
        'virtual times are exact for the model (no CPU time is charged to nodes); wall times and memory are this machine',
        'bound = breadth-first hops to 99% of nodes from the revoking node × 50 ms',
      ],
    };
  },
};
