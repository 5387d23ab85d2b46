// What refusing an invalid frame costs before any signature check (issue 15: target < 20 µs a frame). Two parts:
// frames the node drops and keeps the link (unknown type or version, a non-member origin, a stale timestamp),
// sent over a real socket from a worker and timed end to end through the node; and frames it rejects and closes
// the link for (not JSON, not an object, schema, nesting), one per link in life, so timed in process
// through the node's own frame router (decode, duplicate-frame filter) with the socket stubbed out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../src/core/errors.js';
import { silentLogger } from '../src/log.js';
import { DuplicateFrameFilter } from '../src/net/duplicate-frames.js';
import { FrameRouter } from '../src/net/peers/frames.js';
import type { PeerSession } from '../src/net/peers/interface.js';
import { systemClock } from '../src/node/modules.js';
import { TrustMeshNode } from '../src/node/node.js';
import { testKeyPair, testNetwork } from '../test/support/fixtures.js';
import type { HostileJob, HostileKind } from './hostile-sender.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { median, round, UNLIMITED_LINK_BUDGET, until } from './support.js';

const SENDER = fileURLToPath(new URL('./hostile-sender.js', import.meta.url));

/** Socket kinds and the code the node drops each with. */
const OVER_SOCKET: ReadonlyArray<[HostileKind, ErrorCode]> = [
  ['unknown-type', 'TM_ERR_UNKNOWN_TYPE'],
  ['unknown-version', 'TM_ERR_VERSION_UNSUPPORTED'],
  ['non-member-origin', 'TM_ERR_UNKNOWN_ORIGIN'],
  ['stale-timestamp', 'TM_ERR_TIMESTAMP_SKEW'],
];

/**
 * Frames a real node answers by closing the link; each one's text. One over maxFrameBytes is not among them: ws
 * refuses it at the frame header (close 1009) before the router sees any of it.
 */
function rejectedFrames(): Record<string, string> {
  const update = {
    type: 'TRUST_UPDATE',
    version: '1.0',
    id: 'x',
    timestamp: '2026-12-01T00:00:00.000Z',
    origin: 'a'.repeat(64),
    originKey: `${'b'.repeat(43)}=`,
    payload: { agentId: 'a', principalId: 'p', trustScore: 1, event: 'SCORE_UPDATE' },
  };
  let nested: unknown = 1;
  for (let i = 0; i < 40; i++) nested = { n: nested };
  return {
    notJson: `{"type":"TRUST_UPDATE",${'"x":1,'.repeat(40)}`,
    notObject: JSON.stringify([update]),
    schemaInvalid: JSON.stringify(update),
    tooDeep: JSON.stringify({ ...update, payload: { ...update.payload, extra: nested } }),
  };
}

/** Median µs per frame over batches, through a FrameRouter wired as a node wires it (sockets stubbed). */
function inProcess(maxFrameBytes: number, frames: number): Record<string, number> {
  const network = testNetwork([1], {}, { maxFrameBytes });
  const clock = systemClock;
  const filter = new DuplicateFrameFilter(60_000, clock);
  let refused = 0;
  const router = new FrameRouter({
    options: { network },
    clock,
    logger: silentLogger(),
    refuse: () => {
      refused++;
    },
    handshake: {} as never,
    heartbeat: {} as never,
    hooks: {
      onMessage: () => {
        throw new Error('an invalid frame reached the node');
      },
      onFrameRefused: () => {},
      frameFilter: (text) => filter.duplicateOf(text) !== undefined,
    },
    remember: () => {},
  });
  const session = {
    state: 'established',
    nodeId: 'bench',
    lastReceived: 0,
    connection: { stats: { framesReceived: 0, bytesReceived: 0, duplicateFrames: 0 } },
  } as unknown as PeerSession;
  const result: Record<string, number> = {};
  const BATCH = 500;
  for (const [kind, text] of Object.entries(rejectedFrames())) {
    const data = Buffer.from(text);
    const perFrame: number[] = [];
    const cpuBefore = mainThreadCpuMs();
    for (let done = 0; done < frames; done += BATCH) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < BATCH; i++) router.onFrame(session, data, false);
      perFrame.push(Number(process.hrtime.bigint() - started) / 1e3 / BATCH);
    }
    result[kind] = median(perFrame);
    const cpuAfter = mainThreadCpuMs();
    if (cpuBefore !== null && cpuAfter !== null)
      result[`cpu:${kind}`] = ((cpuAfter - cpuBefore) * 1e3) / frames;
  }
  if (refused === 0) throw new Error('no frame was refused');
  return result;
}

/**
 * CPU time the main thread has run, in ms (Linux, from /proc; USER_HZ is 100 there), or null elsewhere. Unlike
 * event-loop busy time it leaves out the time the thread waited for a core, which on a shared machine can be most.
 */
function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

async function overSocket(node: TrustMeshNode, kind: HostileKind, code: ErrorCode, frames: number) {
  let dropped = 0;
  const count = (_peer: string, _type: string, _kind: string, dropCode: ErrorCode) => {
    if (dropCode === code) dropped++;
  };
  node.on('dropped', count);
  const job: HostileJob = {
    url: node.endpoint,
    networkId: node.network.networkId,
    keyIndex: 1,
    kind,
    frames,
    repeat: false,
  };
  const worker = new Worker(SENDER, { workerData: job });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    const started = process.hrtime.bigint();
    const loop = performance.eventLoopUtilization();
    const cpuBefore = mainThreadCpuMs();
    worker.postMessage('go');
    await until(() => dropped >= frames, 120_000, `the node to drop every ${kind} frame`);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // The node's thread is idle part of the time (the sender is slower): its busy time is the cost.
    const busyMs = performance.eventLoopUtilization(loop).active;
    const cpuAfter = mainThreadCpuMs();
    worker.postMessage('stop');
    const cpu = cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1e3) / frames;
    return { wall: (seconds * 1e6) / frames, busy: (busyMs * 1e3) / frames, cpu };
  } finally {
    node.off('dropped', count);
    await worker.terminate();
  }
}

export const invalidFrameBench: Bench = {
  name: 'invalid-frame',
  title: 'Cost of refusing an invalid frame before any signature check (µs per frame)',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    // Enough that the main thread's CPU time (10 ms ticks) is read to a few per cent.
    const frames = full ? 50_000 : 20_000;
    const runs = full ? 5 : 3;
    const figures: Record<string, number> = {};
    const units: Record<string, string> = {};
    const dataDir = mkdtempSync(join(tmpdir(), 'trust-mesh-bench-'));
    const network = testNetwork([100, 100]);
    // The per-connection budgets would drop these frames sooner still (and score the sender); lifted, every
    // frame takes the whole path to its refusal.
    const node = await TrustMeshNode.start({
      dataDir,
      network,
      key: testKeyPair(0),
      host: '127.0.0.1',
      port: 0,
      storageSync: 'normal',
      linkBudget: UNLIMITED_LINK_BUDGET,
    });
    try {
      for (const [kind, code] of OVER_SOCKET) {
        const samples: Array<{ wall: number; busy: number; cpu: number | null }> = [];
        for (let i = 0; i < runs; i++) samples.push(await overSocket(node, kind, code, frames));
        const busy = samples.map((sample) => sample.busy);
        const wall = samples.map((sample) => sample.wall);
        const cpu = samples.flatMap((sample) => (sample.cpu === null ? [] : [sample.cpu]));
        log(
          `${kind} over a socket: node busy ${busy.map((v) => round(v)).join(', ')} µs a frame; main thread CPU ${cpu.map((v) => round(v)).join(', ')}; wall ${wall.map((v) => round(v)).join(', ')}`,
        );
        if (cpu.length > 0) {
          figures[`socketCpu_${kind}`] = round(median(cpu));
          units[`socketCpu_${kind}`] = 'µs/frame of CPU time on the node thread (end to end; Linux only)';
        }
        figures[`socket_${kind}`] = round(median(busy));
        units[`socket_${kind}`] = 'µs/frame of the node thread busy (end to end)';
        figures[`socketWall_${kind}`] = round(median(wall));
        units[`socketWall_${kind}`] = 'µs/frame wall clock (bounded by the sender)';
      }
    } finally {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    const maxFrameBytes = network.params.maxFrameBytes;
    const inProcessRuns = Array.from({ length: runs }, () => inProcess(maxFrameBytes, frames));
    for (const kind of Object.keys(inProcessRuns[0]!)) {
      const samples = inProcessRuns.map((run) => run[kind]!);
      log(`${kind} in process: ${samples.map((s) => round(s)).join(', ')} µs a frame`);
      if (kind.startsWith('cpu:')) {
        const name = `routerCpu_${kind.slice(4)}`;
        figures[name] = round(median(samples));
        units[name] = 'µs/frame of CPU time (frame router; Linux only)';
        continue;
      }
      figures[`router_${kind}`] = round(median(samples));
      units[`router_${kind}`] = 'µs/frame (frame router)';
    }
    return {
      name: 'invalid-frame',
      title: this.title,
      setup: {
        framesPerRun: frames,
        runs,
        socketKinds: OVER_SOCKET.map(([kind]) => kind).join(', '),
        routerKinds: Object.keys(rejectedFrames()).join(', '),
        target: '< 20 µs per frame',
      },
      figures,
      units,
      notes: [
        "socket_*: one member peer in a worker thread sends the frames once over loopback; the node thread's busy time (event-loop utilisation) from the first send until it has dropped every one (ws framing, budget, decode, inbound queue, engine turn, metrics), divided by the count; socketWall_* is the elapsed time, bounded by how fast the sender sends",
        "socketCpu_*: the node thread's own CPU time over the same span (from /proc; it leaves out waiting for a core, so it moves less with the machine's load than socket_*)",
        'router_*: frames a node closes the link for cannot be sent in bulk over one link, so they are fed to the frame router (duplicate-frame filter, decoder) in process, in batches of 500; median of batch means; routerCpu_* is the CPU time of the thread over all batches of a kind, divided by the count',
      ],
    };
  },
};
