// Whether a flood stalls a node (issue 15: target p99 < 50 ms): one member peer floods a bridge node at full
// speed while an honest member peer times its PING round trips and a client times GET /healthz. The node keeps
// its default budgets and scores; each flood kind gets its own flooder key, since a dropped one is refused 60 s.
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
import { percentile, round, sleep } from './support.js';

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
  flood: { sent: number; seconds: number; closedWith: string | null } | null;
}

async function phase(node: TrustMeshNode, healthUrl: string, kind: HostileKind | null, ms: number) {
  const { networkId } = node.network;
  const probeJob: ProbeJob = { url: node.endpoint, healthUrl, networkId, keyIndex: PROBE_KEY, gapMs: 5 };
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
    await sleep(ms);
    flooder?.postMessage('stop');
    probe.postMessage('stop');
    return { probe: await probeDone, flood: floodDone === null ? null : await floodDone } satisfies Phase;
  } finally {
    await Promise.all([probe.terminate(), flooder?.terminate()]);
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
    const dataDir = mkdtempSync(join(tmpdir(), 'trust-mesh-bench-'));
    const node = await TrustMeshNode.start({
      dataDir,
      network: testNetwork(new Array(PROBE_KEY + 1).fill(100)),
      key: testKeyPair(0),
      type: 'bridge',
      host: '127.0.0.1',
      port: 0,
      storageSync: 'normal',
    });
    const api = await startBridgeApi(node, { port: 0, tokens: [] });
    try {
      for (const kind of [null, ...FLOODS]) {
        const label = kind ?? 'idle';
        const { probe, flood } = await phase(node, `${api.url}/healthz`, kind, ms);
        const p = (values: number[], q: number) =>
          round(values.length === 0 ? Number.NaN : percentile(values, q));
        figures[`${label}_healthzP50`] = p(probe.healthMs, 50);
        figures[`${label}_healthzP99`] = p(probe.healthMs, 99);
        figures[`${label}_pingP50`] = p(probe.pingMs, 50);
        figures[`${label}_pingP99`] = p(probe.pingMs, 99);
        for (const figure of ['healthzP50', 'healthzP99', 'pingP50', 'pingP99'])
          units[`${label}_${figure}`] = 'ms';
        let line = `${label}: /healthz p50 ${figures[`${label}_healthzP50`]} p99 ${figures[`${label}_healthzP99`]} ms (${probe.healthMs.length} requests, ${probe.healthFailures} failed), PING p50 ${figures[`${label}_pingP50`]} p99 ${figures[`${label}_pingP99`]} ms (${probe.pingMs.length})`;
        if (flood !== null) {
          figures[`${label}_floodFramesPerSecond`] = Math.round(flood.sent / flood.seconds);
          units[`${label}_floodFramesPerSecond`] = 'frames/s sent';
          const ended = flood.closedWith === null ? 'ran the whole phase' : `closed ${flood.closedWith}`;
          line += `; flood ${flood.sent} frames in ${round(flood.seconds)} s, ${ended}`;
          notes.push(
            `${label}: the flooder ${ended} after ${flood.sent} frames in ${round(flood.seconds)} s`,
          );
        }
        log(line);
      }
    } finally {
      await api.close();
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    return {
      name: 'flood-responsiveness',
      title: this.title,
      setup: {
        phaseSeconds: ms / 1000,
        floods: FLOODS.join(', '),
        node: 'bridge, default budgets and peer scores',
        probes: 'one PING and one GET /healthz at a time each, 5 ms apart, from a worker thread',
        target: 'p99 < 50 ms',
      },
      figures,
      units,
      notes: [
        'flooder and probe each run in their own worker thread; the node in the main thread',
        'a flood that gets its sender dropped ends early: its phase then measures the node after the drop',
        ...notes,
      ],
    };
  },
};
