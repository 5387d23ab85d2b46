// Commit latency on a mesh of real nodes over loopback: propose at one node, time until it commits there
// (quorum of votes gathered) and until every node has verified and stored the commit.
import { Devnet } from '../src/devnet/devnet.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { percentile, round, UNLIMITED, until } from './support.js';

export async function measureCommits(devnet: Devnet, count: number, concurrency: number) {
  const nodes = devnet.nodes;
  const appliedAt = new Map<string, number[]>();
  const listeners = nodes.map((node) => {
    const listener = (commit: { update: { id: string } }) => {
      const list = appliedAt.get(commit.update.id) ?? [];
      list.push(Date.now());
      appliedAt.set(commit.update.id, list);
    };
    node.on('committed', listener);
    return () => node.off('committed', listener);
  });
  const commitMs: number[] = [];
  const everywhereMs: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const node = nodes[i % nodes.length]!;
      const record = node.submit({
        agentId: `bench-agent-${i}`,
        principalId: 'bench',
        trustScore: i % 1001,
        event: 'SCORE_UPDATE',
      });
      const settled = await node.whenSettled(record.id);
      if (settled.state !== 'committed')
        throw new Error(`proposal ${record.id} ${settled.state}: ${JSON.stringify(settled.reasons)}`);
      commitMs.push(settled.settledAt! - settled.createdAt);
      await until(
        () => (appliedAt.get(record.id)?.length ?? 0) === nodes.length,
        10_000,
        'every node to apply a commit',
      );
      everywhereMs.push(Math.max(...appliedAt.get(record.id)!) - settled.createdAt);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  for (const off of listeners) off();
  return { commitMs, everywhereMs };
}

export const commitLatencyBench: Bench = {
  name: 'commit-latency',
  title: 'Commit latency, 20 real nodes on loopback (one process)',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    const nodeCount = 20;
    const count = full ? 400 : 100;
    // Per-origin budgets lifted: this measures latency, not the rate limits.
    const devnet = await Devnet.start({ nodes: nodeCount, roles: false, params: UNLIMITED });
    try {
      await devnet.waitForMesh(30_000);
      log(`mesh of ${nodeCount} up (${devnet.edges.length} links); warming up`);
      await measureCommits(devnet, 10, 1);
      log(`${count} proposals, one at a time`);
      const sequential = await measureCommits(devnet, count, 1);
      log(`${count} proposals, 8 in flight`);
      const loaded = await measureCommits(devnet, count, 8);
      return {
        name: 'commit-latency',
        title: this.title,
        setup: {
          nodes: nodeCount,
          links: devnet.edges.length,
          proposals: count,
          validators: nodeCount,
          storageSync: 'normal',
        },
        figures: {
          p50: round(percentile(sequential.commitMs, 50)),
          p99: round(percentile(sequential.commitMs, 99)),
          everywhereP50: round(percentile(sequential.everywhereMs, 50)),
          everywhereP99: round(percentile(sequential.everywhereMs, 99)),
          loadedP50: round(percentile(loaded.commitMs, 50)),
          loadedP99: round(percentile(loaded.commitMs, 99)),
        },
        units: {
          p50: 'ms',
          p99: 'ms',
          everywhereP50: 'ms',
          everywhereP99: 'ms',
          loadedP50: 'ms',
          loadedP99: 'ms',
        },
        notes: [
          'p50/p99: proposal created → commit stored at its origin (quorum of > 50% stake), one proposal at a time',
          'everywhere: proposal created → the last of the 20 nodes verified and stored the commit',
          'loaded: the same with 8 proposals in flight at once',
        ],
      };
    } finally {
      await devnet.stop();
    }
  },
};
