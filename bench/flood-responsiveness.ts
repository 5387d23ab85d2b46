// Whether a flood stalls a node (issue 15: target p99 < 50 ms): one member peer floods a bridge node at full
// speed while an honest member peer times its PING round trips and a client times GET /healthz. Once with the
// default budgets and scores (the flood is cut: figures over the phase and over the flood's own window), once
// with the connection budgets lifted (the node absorbs the whole flood). Each flood has its own flooder key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startBridgeApi } from '../src/api/server.js';
import { TrustMeshNode } from '../src/node/node.js';
import { testKeyPair, testNetwork } from '../test/support/fixtures.js';
import type { HostileJob, HostileKind } from './hostile-sender.js';
import type { ProbeJob, ProbeResult } from './responsiveness-probe.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { percentile, round, sleep, UNLIMITED_LINK_BUDGET } from './support.js';

const FLOODER = fileURLToPath(new URL('./hostile-sender.js', import.meta.url));
const PROBE = fileURLToPath(new URL('./responsiveness-probe.js', import.meta.url));

/** Flood kinds, each from its own member key (1, 2, …); the probe is the last key. */
const FLOODS: readonly HostileKind[] = ['ping', 'unknown-type', 'duplicate', 'signed-proposals'];
const PROBE_KEY = FLOODS.length + 1;

function started(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
}

const next = <T>(worker: Worker): Promise<T> =>
  new Promise((resolve, reject) => {
    worker.once('message', (value: T) => resolve(value));
    worker.once('error', reject);
  });

interface Phase {
  probe: ProbeResult;
  flood: {
    sent: number;
    seconds: number;
    startedAt: number;
    endedAt: number;
    closedWith: string | null;
  } | null;
  /** The main thread's heap in use at its highest during the phase (sampled every 50 ms). */
  heapUsedMaxMiB: number;
}

async function phase(node: TrustMeshNode, healthUrl: string, kind: HostileKind | null, ms: number) {
  const { networkId } = node.network;
  // 12 ms between PINGs (about 75/s with the round trip) keeps the probe inside the link budget of 100/s; at 5 ms it
  // drained its own budget over a few phases and its PINGs went unanswered.
  const probeJob: ProbeJob = {
    url: node.endpoint,
    healthUrl,
    networkId,
    keyIndex: PROBE_KEY,
    gapMs: 5,
    pingGapMs: 12,
  };
  const probe = new Worker(PROBE, { workerData: probeJob });
  const floodJob: HostileJob | null =
    kind === null
      ? null
      : {
          url: node.endpoint,
          networkId,
          keyIndex: FLOODS.indexOf(kind) + 1,
          kind,
          frames: 2_000,
          repeat: true,
        };
  const flooder = floodJob === null ? null : new Worker(FLOODER, { workerData: floodJob });
  try {
    await Promise.all([started(probe), ...(flooder === null ? [] : [started(flooder)])]);
    const floodDone = flooder === null ? null : next<Phase['flood']>(flooder);
    flooder?.postMessage('go');
    probe.postMessage('go');
    const probeDone = next<ProbeResult>(probe);
    // The node's own heap (the probe and the flooder are workers, with heaps of their own), at its highest.
    let heapUsedMax = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => {
      heapUsedMax = Math.max(heapUsedMax, process.memoryUsage().heapUsed);
    }, 50);
    await sleep(ms);
    clearInterval(sampler);
    flooder?.postMessage('stop');
    probe.postMessage('stop');
    return {
      probe: await probeDone,
      flood: floodDone === null ? null : await floodDone,
      heapUsedMaxMiB: heapUsedMax / 2 ** 20,
    } satisfies Phase;
  } finally {
    await Promise.all([probe.terminate(), flooder?.terminate()]);
  }
}

/** Samples whose probe started inside [from, to]. */
function within(values: number[], at: number[], from: number, to: number): number[] {
  return values.filter((_, i) => at[i]! >= from && at[i]! <= to);
}

const p = (values: number[], q: number) => (values.length === 0 ? -1 : round(percentile(values, q)));

async function runNode(
  label: string,
  lifted: boolean,
  ms: number,
  figures: Record<string, number>,
  units: Record<string, string>,
  notes: string[],
  log: (line: string) => void,
): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trust-mesh-bench-'));
  const node = await TrustMeshNode.start({
    dataDir,
    network: testNetwork(new Array(PROBE_KEY + 1).fill(100)),
    key: testKeyPair(0),
    type: 'bridge',
    host: '127.0.0.1',
    port: 0,
    storageSync: 'normal',
    ...(lifted ? { linkBudget: UNLIMITED_LINK_BUDGET } : {}),
  });
  const api = await startBridgeApi(node, { port: 0, tokens: [] });
  const set = (name: string, value: number, unit: string) => {
    figures[name] = value;
    units[name] = unit;
  };
  try {
    // With the budgets lifted, signed proposals still meet the per-origin budget and the score: left out.
    const kinds = lifted ? FLOODS.filter((kind) => kind !== 'signed-proposals') : FLOODS;
    for (const kind of [null, ...kinds]) {
      const name = `${label}_${kind ?? 'idle'}`;
      const { probe, flood, heapUsedMaxMiB } = await phase(node, `${api.url}/healthz`, kind, ms);
      set(
        `${name}_heapUsedMaxMiB`,
        round(heapUsedMaxMiB, 1),
        "MiB (the node's thread, highest in the phase)",
      );
      set(`${name}_healthzP99`, p(probe.healthMs, 99), 'ms');
      set(`${name}_pingP99`, p(probe.pingMs, 99), 'ms');
      set(
        `${name}_failedProbes`,
        probe.healthFailures + probe.pingFailures,
        'probes (non-2xx /healthz, PING unanswered)',
      );
      let line = `${name}: /healthz p50 ${p(probe.healthMs, 50)} p99 ${p(probe.healthMs, 99)} ms (${probe.healthMs.length}, ${probe.healthFailures} failed), PING p50 ${p(probe.pingMs, 50)} p99 ${p(probe.pingMs, 99)} max ${p(probe.pingMs, 100)} ms (${probe.pingMs.length}, ${probe.pingFailures} failed)`;
      if (probe.closedWith !== null) line += `; the probe's own connection was closed ${probe.closedWith}`;
      if (flood !== null) {
        const health = within(probe.healthMs, probe.healthAt, flood.startedAt, flood.endedAt);
        const pings = within(probe.pingMs, probe.pingAt, flood.startedAt, flood.endedAt);
        set(`${name}_duringFloodHealthzP99`, p(health, 99), 'ms (probes started while the flood ran)');
        set(`${name}_duringFloodPingP99`, p(pings, 99), 'ms (probes started while the flood ran)');
        set(`${name}_floodSeconds`, round(flood.seconds), 's until the flooder was cut (or the phase ended)');
        set(`${name}_floodFramesPerSecond`, Math.round(flood.sent / flood.seconds), 'frames/s sent');
        const ended = flood.closedWith === null ? 'ran the whole phase' : `was closed ${flood.closedWith}`;
        line += `; during the flood /healthz p99 ${p(health, 99)} ms (${health.length}), PING p99 ${p(pings, 99)} ms (${pings.length}); ${flood.sent} frames in ${round(flood.seconds)} s, ${ended}`;
        notes.push(`${name}: the flooder ${ended} after ${flood.sent} frames in ${round(flood.seconds)} s`);
      }
      log(line);
    }
  } finally {
    await api.close();
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export const floodResponsivenessBench: Bench = {
  name: 'flood-responsiveness',
  title: 'GET /healthz and an honest PING round trip while one peer floods a bridge node (p99)',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    const ms = full ? 15_000 : 5_000;
    const figures: Record<string, number> = {};
    const units: Record<string, string> = {};
    const notes: string[] = [];
    await runNode('defended', false, ms, figures, units, notes, log);
    await runNode('budgetsLifted', true, ms, figures, units, notes, log);
    return {
      name: 'flood-responsiveness',
      title: this.title,
      setup: {
        phaseSeconds: ms / 1000,
        floods: FLOODS.join(', '),
        node: 'bridge; defended: default budgets and peer scores; budgetsLifted: connection budgets unlimited',
        probes: 'one PING and one GET /healthz at a time each, 5 ms apart, from a worker thread',
        target: 'p99 < 50 ms',
      },
      figures,
      units,
      notes: [
        'flooder and probe each run in their own worker thread; the node in the main thread',
        'a flood whose sender is dropped ends early: its phase figures then mostly measure the node after the drop; duringFlood* figures take only the probes started while it ran (-1: none did)',
        ...notes,
      ],
    };
  },
};
