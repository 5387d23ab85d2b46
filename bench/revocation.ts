// Revocation propagation on 20 real nodes over loopback: time until every node has verified and applied it,
// idle and while a burst of trust updates is in flight (revocations take the critical lane).
import { Devnet } from '../src/devnet/devnet.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { percentile, round, sleep, UNLIMITED, until } from './support.js';

async function measureRevocations(devnet: Devnet, count: number, burst: number): Promise<number[]> {
  const nodes = devnet.nodes;
  const appliedAt = new Map<string, number[]>();
  const offs = nodes.map((node) => {
    const listener = (event: { type: string; id: string }) => {
      if (event.type !== 'REVOCATION') return;
      const list = appliedAt.get(event.id) ?? [];
      list.push(Date.now());
      appliedAt.set(event.id, list);
    };
    node.on('critical', listener);
    return () => node.off('critical', listener);
  });
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const pending = [];
    for (let j = 0; j < burst; j++) {
      const node = nodes[(i + j) % nodes.length]!;
      pending.push(
        node.submit({
          agentId: `load-${i}-${j}`,
          principalId: 'bench',
          trustScore: 1,
          event: 'SCORE_UPDATE',
        }),
      );
    }
    const origin = nodes[(i * 7) % nodes.length]!;
    const started = Date.now();
    const event = origin.revoke({ agentId: `revoked-${i}`, principalId: 'bench', reason: 'benchmark' });
    await until(
      () => (appliedAt.get(event.id)?.length ?? 0) === nodes.length,
      10_000,
      'every node to apply a revocation',
    );
    times.push(Math.max(...appliedAt.get(event.id)!) - started);
    // Let the burst settle so runs do not pile up.
    for (const [k, record] of pending.entries()) await nodes[(i + k) % nodes.length]!.whenSettled(record.id);
    await sleep(5);
  }
  for (const off of offs) off();
  return times;
}

export const revocationBench: Bench = {
  name: 'revocation',
  title: 'Revocation propagation to 100% of 20 real nodes on loopback (one process)',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    const nodeCount = 20;
    const count = full ? 200 : 50;
    const burst = 40;
    // Per-origin budgets lifted: this measures propagation, not the rate limits.
    const devnet = await Devnet.start({ nodes: nodeCount, roles: false, params: UNLIMITED });
    try {
      await devnet.waitForMesh(30_000);
      log(`${count} revocations on an idle mesh`);
      const idle = await measureRevocations(devnet, count, 0);
      log(`${count} revocations, each issued right after ${burst} trust updates`);
      const loaded = await measureRevocations(devnet, count, burst);
      return {
        name: 'revocation',
        title: this.title,
        setup: { nodes: nodeCount, links: devnet.edges.length, revocations: count, updatesInFlight: burst },
        figures: {
          p50: round(percentile(idle, 50)),
          p99: round(percentile(idle, 99)),
          underLoadP50: round(percentile(loaded, 50)),
          underLoadP99: round(percentile(loaded, 99)),
        },
        units: { p50: 'ms', p99: 'ms', underLoadP50: 'ms', underLoadP99: 'ms' },
        notes: ['time from revoke() at one node until the last of the 20 nodes applied it'],
      };
    } finally {
      await devnet.stop();
    }
  },
};
