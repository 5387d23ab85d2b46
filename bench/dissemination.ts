// Side by side with js-libp2p gossipsub: the same seeded graph, 20 and 50 nodes on loopback, 1 and 50 updates/s;
// t50/t90/t99/t100, frames, bytes and CPU per node per update, and peak RSS, each system in its own process.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  PhaseResult,
  PhaseSpec,
  SystemName,
  WorkerConfig,
  WorkerMessage,
  WorkerResult,
} from './dissemination-measure.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { round } from './support.js';

const WORKER = fileURLToPath(new URL('./dissemination-worker.js', import.meta.url));
const SIZES = [20, 50] as const;
/** Each node dials this many others on the seeded graph shared with commit-throughput. */
const DIALS = 8;
const SEED = 20_261_201;
/** A TRUST_UPDATE is about this size; gossipsub publishes payloads of the same class. */
const PAYLOAD_BYTES = 300;
/** A worker that has not reported by then is killed and the bench fails. */
const WORKER_TIMEOUT_MS = 10 * 60_000;

function phases(full: boolean): PhaseSpec[] {
  return full
    ? [
        { rate: 1, updates: 60, drainMs: 20_000 },
        { rate: 50, updates: 750, drainMs: 120_000 },
      ]
    : [
        { rate: 1, updates: 10, drainMs: 10_000 },
        { rate: 50, updates: 150, drainMs: 30_000 },
      ];
}

function runWorker(config: WorkerConfig, log: (line: string) => void): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: WorkerResult | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), WORKER_TIMEOUT_MS);
    child.on('message', (message: WorkerMessage) => {
      if (message.kind === 'log') log(message.line);
      else result = message.result;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result !== null) resolve(result);
      else reject(new Error(`${config.system} worker (N = ${config.nodes}) ended with ${signal ?? code}`));
    });
  });
}

const KEY: Record<SystemName, string> = { 'trust-mesh': 'trustMesh', gossipsub: 'gossipsub' };
const ratio = (a: number, b: number) => (a < 0 || b <= 0 ? -1 : round(a / b, 3));
const describeKinds = (kinds: Record<string, number>) =>
  Object.entries(kinds)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, value]) => `${kind} ${value}`)
    .join(', ');

/** Figures, units and notes for one N: both systems, every phase, and trust-mesh ÷ gossipsub. */
function collect(
  nodes: number,
  runs: Record<SystemName, WorkerResult>,
  out: { figures: Record<string, number>; units: Record<string, string>; notes: string[] },
): void {
  const put = (key: string, value: number, unit: string) => {
    out.figures[key] = value;
    out.units[key] = unit;
  };
  const measured: Array<[keyof PhaseResult, string]> = [
    ['t50', 'ms (median over updates)'],
    ['t90', 'ms (median over updates)'],
    ['t99', 'ms (median over updates)'],
    ['t100', 'ms (median over updates)'],
    ['framesPerNodePerUpdate', 'frames'],
    ['bytesPerNodePerUpdate', 'bytes'],
    ['cpuMsPerUpdatePerNode', 'ms CPU'],
  ];
  const gossip = runs.gossipsub;
  const mesh = runs['trust-mesh'];
  for (const [i, meshPhase] of mesh.phases.entries()) {
    const gossipPhase = gossip.phases[i]!;
    const tag = `n${nodes}_r${meshPhase.rate}`;
    for (const [field, unit] of measured) {
      const a = meshPhase[field] as number;
      const b = gossipPhase[field] as number;
      put(`${field}_trustMesh_${tag}`, a, unit);
      put(`${field}_gossipsub_${tag}`, b, unit);
      put(`${field}Ratio_${tag}`, ratio(a, b), 'trust-mesh ÷ gossipsub');
    }
    put(`commitT50_trustMesh_${tag}`, meshPhase.commitT50 ?? -1, 'ms (median over updates)');
    put(`commitT100_trustMesh_${tag}`, meshPhase.commitT100 ?? -1, 'ms (median over updates)');
    put(`commitT100VsGossipT100_${tag}`, ratio(meshPhase.commitT100 ?? -1, gossipPhase.t100), 'ratio');
    put(
      `committedEverywhere_trustMesh_${tag}`,
      meshPhase.committedEverywhere ?? 0,
      `of ${meshPhase.updates}`,
    );
    put(`reachedAll_gossipsub_${tag}`, gossipPhase.reachedAll, `of ${gossipPhase.updates}`);
    out.notes.push(
      `N=${nodes} ${meshPhase.rate}/s frames per node per committed update, trust-mesh: ${describeKinds(meshPhase.byKind)}; gossipsub per update: RPCs ${gossipPhase.framesPerNodePerUpdate}, ${describeKinds(gossipPhase.byKind)}`,
    );
  }
  if (mesh.warmup !== undefined) {
    put(`warmupFramesPerNodePerUpdate_trustMesh_n${nodes}`, mesh.warmup.framesPerNodePerUpdate, 'frames');
    put(`warmupBytesPerNodePerUpdate_trustMesh_n${nodes}`, mesh.warmup.bytesPerNodePerUpdate, 'bytes');
    out.notes.push(
      `N=${nodes} trust-mesh warm-up, one update per origin (each origin's first message floods and prunes): ${describeKinds(mesh.warmup.byKind)}`,
    );
  }
  for (const system of ['trust-mesh', 'gossipsub'] as const) {
    put(`peakRss_${KEY[system]}_n${nodes}`, runs[system].phases.at(-1)!.peakRssMiB, 'MiB (its own process)');
  }
  put(
    `peakRssRatio_n${nodes}`,
    ratio(mesh.phases.at(-1)!.peakRssMiB, gossip.phases.at(-1)!.peakRssMiB),
    'trust-mesh ÷ gossipsub',
  );
}

/** A side-by-side table for the log: one row per N, rate and system. */
function sideBySide(nodes: number, runs: Record<SystemName, WorkerResult>): string[] {
  const header = [
    'N',
    'rate/s',
    'system',
    't50',
    't90',
    't99',
    't100',
    'commit100',
    'frames',
    'bytes',
    'CPU ms',
    'RSS MiB',
  ];
  const rows: string[][] = [];
  for (const [i, meshPhase] of runs['trust-mesh'].phases.entries()) {
    for (const [system, p] of [
      ['trust-mesh', meshPhase],
      ['gossipsub', runs.gossipsub.phases[i]!],
    ] as const) {
      rows.push(
        [nodes, p.rate, system, p.t50, p.t90, p.t99, p.t100, p.commitT100 ?? '-', p.framesPerNodePerUpdate]
          .concat([p.bytesPerNodePerUpdate, p.cpuMsPerUpdatePerNode, p.peakRssMiB])
          .map(String),
      );
    }
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
}

export const disseminationBench: Bench = {
  name: 'dissemination',
  title:
    'Side by side with js-libp2p gossipsub: same seeded graph, 20 and 50 loopback nodes, 1 and 50 updates/s',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    const out = {
      figures: {} as Record<string, number>,
      units: {} as Record<string, string>,
      notes: [] as string[],
    };
    const spec = phases(full);
    const table: string[] = [];
    const setup: Record<string, number | string | boolean> = {
      topology: `seeded random graph, each node dials ${DIALS} (seed ${SEED}), undirected duplicates removed`,
      sizes: SIZES.join(','),
      phases: spec.map((p) => `${p.updates} updates at ${p.rate}/s`).join('; '),
      payload: `gossipsub ${PAYLOAD_BYTES}-byte payloads; trust-mesh TRUST_UPDATEs (same class)`,
      processes: 'one child process per system and N, run one after the other',
      trustMesh:
        'Devnet of full validators (SQLite, storageSync normal), inline signature checks, UNLIMITED rate params',
      gossipsub: 'libp2p 2 + gossipsub 14 defaults (D = 6, StrictSign, floodPublish), TCP + noise + yamux',
    };
    for (const nodes of SIZES) {
      const runs = {} as Record<SystemName, WorkerResult>;
      for (const system of ['gossipsub', 'trust-mesh'] as const) {
        const config: WorkerConfig = {
          system,
          nodes,
          dials: DIALS,
          seed: SEED,
          payloadBytes: PAYLOAD_BYTES,
          phases: spec,
        };
        runs[system] = await runWorker(config, log);
        setup[`links_n${nodes}`] = runs[system].links;
      }
      collect(nodes, runs, out);
      table.push(...sideBySide(nodes, runs));
    }
    for (const line of table) log(line);
    out.notes.push(
      't_x: per update, time from just before publish()/submit() to the ⌈x·N⌉-th node holding it (the origin at 0); median over the updates of the phase; -1 when most updates never got there',
      'trust-mesh "holding" = TRUST_UPDATE accepted or its COMMIT stored, whichever first; commitT100 = proposal → commit stored on every node (gossipsub has no consensus)',
      'trust-mesh frames and bytes are divided by committed updates, gossipsub by published ones; both include background traffic during the phase (pings; gossipsub heartbeat gossip)',
      'CPU = process.cpuUsage (all threads) over the phase ÷ updates ÷ N; peak RSS = the child process maxRSS after its last phase (the 50/s one)',
      'all nodes of a system share one process and the 2 cores; figures measured while other work runs on the machine are noisy',
    );
    return {
      name: 'dissemination',
      title: this.title,
      setup,
      figures: out.figures,
      units: out.units,
      notes: out.notes,
    };
  },
};
