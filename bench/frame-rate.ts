// How many frames per second one node accepts from one peer over loopback: distinct signed TRUST_UPDATEs
// (each fully checked, signature included) and replays of one frame (dropped as duplicates before any signature
// check). The sender runs in a worker thread so it does not compete for the node's event loop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TrustMeshNode } from '../src/node/node.js';
import { testKeyPair, testNetwork } from '../test/support/fixtures.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { median, round, UNLIMITED, UNLIMITED_LINK_BUDGET, until } from './support.js';
import { verifyRate } from './verify-rate.js';

const SENDER = fileURLToPath(new URL('./frame-sender.js', import.meta.url));

/** Peers sending at once, each a genesis member with its own key (1..SENDERS) and its own worker thread. */
const SENDERS = 3;

async function run(node: TrustMeshNode, frames: number, duplicate: boolean): Promise<number> {
  const perSender = Math.ceil(frames / SENDERS);
  const workers = Array.from(
    { length: SENDERS },
    (_, i) =>
      new Worker(SENDER, {
        workerData: {
          url: node.endpoint,
          networkId: node.network.networkId,
          keyIndex: i + 1,
          frames: perSender,
          duplicate,
        },
      }),
  );
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.once('message', () => resolve());
            worker.once('error', reject);
          }),
      ),
    );
    const counted = () => {
      const { engine, duplicateFramesDropped } = node.stats();
      return duplicate ? engine.duplicatesDropped + duplicateFramesDropped : engine.accepted;
    };
    const before = counted();
    // The first copy of each sender's duplicated frame is accepted, not dropped.
    const expected = duplicate ? SENDERS * (perSender - 1) : SENDERS * perSender;
    const started = process.hrtime.bigint();
    for (const worker of workers) worker.postMessage('go');
    await until(() => counted() - before >= expected, 120_000, 'the node to handle every frame');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const worker of workers) worker.postMessage('stop');
    return expected / seconds;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

export const frameRateBench: Bench = {
  name: 'frame-rate',
  title: 'Frames per second one node accepts from three peers (loopback)',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    const frames = full ? 100_000 : 20_000;
    const repeats = full ? 5 : 3;
    const figures: Record<string, number> = {};
    const units: Record<string, string> = {};
    const verify = verifyRate();
    for (const threads of [0, 1, 2]) {
      const measured = await measure(threads, frames, repeats, log);
      const label = threads === 0 ? 'inline' : `pool${threads}`;
      figures[`signedFramesPerSecond_${label}`] = Math.round(measured.valid);
      figures[`duplicateFramesPerSecond_${label}`] = Math.round(measured.duplicates);
      figures[`signedVsOneCoreVerify_${label}`] = round(measured.valid / verify, 3);
      units[`signedFramesPerSecond_${label}`] = 'frames/s';
      units[`duplicateFramesPerSecond_${label}`] = 'frames/s';
      units[`signedVsOneCoreVerify_${label}`] = 'ratio';
    }
    figures.ed25519VerifyPerSecond = Math.round(verify);
    units.ed25519VerifyPerSecond = 'verifies/s (one core)';
    return {
      name: 'frame-rate',
      title: this.title,
      setup: {
        framesPerRun: frames,
        runs: repeats,
        senders: SENDERS,
        frame: 'TRUST_UPDATE (~420 bytes)',
        variants: 'inline = verified in the turn; poolN = checked ahead by N worker threads',
      },
      figures,
      units,
      notes: ['medians of the runs; the verify rate is one core, same process, measured before the runs'],
    };
  },
};

async function measure(threads: number, frames: number, repeats: number, log: (line: string) => void) {
  const dataDir = mkdtempSync(join(tmpdir(), 'trust-mesh-bench-'));
  // Node 0 does not vote, so it only checks and (with no other peers) forwards nowhere: the receive path alone.
  const node = await TrustMeshNode.start({
    dataDir,
    network: testNetwork([100, 100, 100, 100], {}, UNLIMITED),
    key: testKeyPair(0),
    host: '127.0.0.1',
    port: 0,
    validator: false,
    storageSync: 'normal',
    verifierThreads: threads,
    // The receive path at full speed: the per-connection budgets (which would drop and score the senders) lifted.
    linkBudget: UNLIMITED_LINK_BUDGET,
  });
  try {
    const valid: number[] = [];
    const duplicates: number[] = [];
    for (let i = 0; i < repeats; i++) {
      valid.push(await run(node, frames, false));
      duplicates.push(await run(node, frames, true));
      log(
        `${threads} verifier threads, run ${i + 1}: ${Math.round(valid.at(-1)!)} signed frames/s, ${Math.round(duplicates.at(-1)!)} duplicate frames/s`,
      );
    }
    return { valid: median(valid), duplicates: median(duplicates) };
  } finally {
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
