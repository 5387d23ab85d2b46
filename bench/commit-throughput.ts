// Commit throughput on 20 real nodes over loopback (one process): the highest sustained proposal rate, spread
// over all nodes, at which every update commits and is stored by all 20 with p99 < 1 s — beside the ceiling
// that signature checks allow on this machine (2 cores × verify/s ÷ checks per commit summed over all nodes).
import { SeededRandom } from '../src/core/memory/seeded-entropy.js';
import { Devnet } from '../src/devnet/devnet.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { percentile, round, sleep, UNLIMITED } from './support.js';
import { verifyRate } from './verify-rate.js';

const NODES = 20;
/** Each node dials this many others, chosen with a fixed seed (mean degree ≈ 13 at 20 nodes). */
const DIALS = 8;
const SEED = 20_261_201;
const P99_LIMIT_MS = 1_000;
const CORES = 2;

/** Each node dials DIALS distinct others, picked with a seeded PRNG; undirected duplicates removed. */
export function seededGraph(count: number, dials: number, seed: number): Array<[number, number]> {
  const random = new SeededRandom(seed);
  const seen = new Set<string>();
  const edges: Array<[number, number]> = [];
  for (let from = 0; from < count; from++) {
    const others = Array.from({ length: count }, (_, i) => i).filter((i) => i !== from);
    for (let k = 0; k < Math.min(dials, others.length); k++) {
      const pick = k + Math.floor(random.next() * (others.length - k));
      [others[k], others[pick]] = [others[pick]!, others[k]!];
      const to = others[k]!;
      const key = from < to ? `${from}-${to}` : `${to}-${from}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push([from, to]);
    }
  }
  return edges;
}

interface Step {
  rate: number;
  proposals: number;
  committedEverywhere: number;
  p50: number;
  p99: number;
  checksPerCommit: number;
  passed: boolean;
}

/** Proposes at `rate`/s for `seconds`, round-robin over the nodes, and waits for every commit to land. */
async function step(devnet: Devnet, rate: number, seconds: number): Promise<Step> {
  const nodes = devnet.nodes;
  const created = new Map<string, number>();
  const stored = new Map<string, number[]>();
  const off = nodes.map((node) => {
    const listener = (commit: { update: { id: string } }) => {
      if (!created.has(commit.update.id)) return;
      const list = stored.get(commit.update.id) ?? [];
      list.push(performance.now());
      stored.set(commit.update.id, list);
    };
    node.on('committed', listener);
    return () => node.off('committed', listener);
  });
  const verifiedBefore = nodes.reduce((sum, node) => sum + node.stats().signatures.verified, 0);
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let failed = 0;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const node = nodes[i % nodes.length]!;
    const record = node.submit({
      agentId: `throughput-${rate}-${i}`,
      principalId: 'bench',
      trustScore: i % 1001,
      event: 'SCORE_UPDATE',
    });
    created.set(record.id, performance.now());
    node.whenSettled(record.id).then((settled) => {
      if (settled.state !== 'committed') failed++;
    });
  }
  const deadline = performance.now() + 15_000;
  const done = () => [...created.keys()].every((id) => (stored.get(id)?.length ?? 0) === nodes.length);
  while (!done() && failed === 0 && performance.now() < deadline) await sleep(10);
  for (const stop of off) stop();
  const verifiedAfter = nodes.reduce((sum, node) => sum + node.stats().signatures.verified, 0);
  const latencies = [...created].flatMap(([id, at]) => {
    const list = stored.get(id);
    return list?.length === nodes.length ? [Math.max(...list) - at] : [];
  });
  const p99 = latencies.length === 0 ? Number.POSITIVE_INFINITY : percentile(latencies, 99);
  return {
    rate,
    proposals: total,
    committedEverywhere: latencies.length,
    p50: latencies.length === 0 ? Number.POSITIVE_INFINITY : percentile(latencies, 50),
    p99,
    checksPerCommit: (verifiedAfter - verifiedBefore) / Math.max(1, latencies.length),
    passed: failed === 0 && latencies.length === total && p99 < P99_LIMIT_MS,
  };
}

async function measure(
  threads: number,
  seconds: number,
  rates: readonly number[],
  log: (line: string) => void,
) {
  const devnet = await Devnet.start({
    nodes: NODES,
    roles: false,
    // Per-origin budgets lifted: at 100/min per origin, 20 proposers could not pass 33 updates/s in all.
    params: UNLIMITED,
    edges: seededGraph(NODES, DIALS, SEED),
    verifierThreads: threads,
  });
  try {
    await devnet.waitForMesh(60_000);
    await step(devnet, 2, 2); // warm-up
    let best: Step | null = null;
    let checks = 0;
    for (const rate of rates) {
      const result = await step(devnet, rate, seconds);
      log(
        `${threads} verifier threads, ${rate}/s: ${result.committedEverywhere}/${result.proposals} stored everywhere, p50 ${round(result.p50)} ms, p99 ${round(result.p99)} ms, ${round(result.checksPerCommit, 1)} checks/commit${result.passed ? '' : ' — over the limit'}`,
      );
      if (!result.passed) break;
      best = result;
      checks = result.checksPerCommit;
      await sleep(1_000); // let queues drain before the next rate
    }
    return { best, checks, links: devnet.edges.length };
  } finally {
    await devnet.stop();
  }
}

export const commitThroughputBench: Bench = {
  name: 'commit-throughput',
  title:
    'Highest sustained commit rate, 20 real nodes on loopback (one process), p99 stored-everywhere < 1 s',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    const seconds = full ? 15 : 5;
    const rates = [4, 8, 12, 16, 24, 32, 48, 64, 96, 128];
    const verify = verifyRate();
    const figures: Record<string, number> = { ed25519VerifyPerSecond: Math.round(verify) };
    const units: Record<string, string> = { ed25519VerifyPerSecond: 'verifies/s (one core)' };
    let links = 0;
    for (const threads of full ? [0, 1, 2] : [0, 1]) {
      const { best, checks, links: measuredLinks } = await measure(threads, seconds, rates, log);
      links = measuredLinks;
      const label = threads === 0 ? 'inline' : `pool${threads}`;
      const ceiling = checks > 0 ? (CORES * verify) / checks : 0;
      figures[`sustainedCommitsPerSecond_${label}`] = best?.rate ?? 0;
      figures[`p99AtSustained_${label}`] = round(best?.p99 ?? 0);
      figures[`checksPerCommitAllNodes_${label}`] = round(checks, 1);
      figures[`ceilingCommitsPerSecond_${label}`] = round(ceiling, 1);
      figures[`sustainedVsCeiling_${label}`] = ceiling > 0 ? round((best?.rate ?? 0) / ceiling, 3) : 0;
      units[`sustainedCommitsPerSecond_${label}`] = 'commits/s';
      units[`p99AtSustained_${label}`] = 'ms';
      units[`checksPerCommitAllNodes_${label}`] = 'Ed25519 checks';
      units[`ceilingCommitsPerSecond_${label}`] = 'commits/s';
      units[`sustainedVsCeiling_${label}`] = 'ratio';
    }
    return {
      name: 'commit-throughput',
      title: this.title,
      setup: {
        nodes: NODES,
        links,
        topology: `seeded random graph, each node dials ${DIALS} (seed ${SEED})`,
        secondsPerRate: seconds,
        rates: rates.join(','),
        storageSync: 'normal',
      },
      figures,
      units,
      notes: [
        'a rate passes when every proposal commits and is stored by all 20 nodes with p99 (proposal → last node stored) < 1 s',
        'ceiling = 2 cores × one-core Ed25519 verify rate ÷ Ed25519 checks per commit summed over all 20 nodes (measured in the run)',
        'poolN: one pool of N worker threads shared by all 20 nodes of the process checks signatures ahead of each turn',
      ],
    };
  },
};
