// How many frames per second one node accepts from one peer over loopback: distinct signed TRUST_UPDATEs
// (each fully checked, signature included) and replays of one frame (dropped as duplicates before any signature
// check). The sender runs in a worker thread so it does not compete for the node's event loop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { sodiumCrypto } from '../src/crypto/sodium.js';
import { internals } from '../src/node/internals.js';
import { TrustMeshNode } from '../src/node/node.js';
import { testKeyPair, testNetwork } from '../test/support/fixtures.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { median, round, until } from './support.js';

const SENDER = fileURLToPath(new URL('./frame-sender.js', import.meta.url));

async function run(node: TrustMeshNode, frames: number, duplicate: boolean): Promise<number> {
  const worker = new Worker(SENDER, {
    workerData: { url: node.endpoint, networkId: node.network.networkId, keyIndex: 1, frames, duplicate },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    const stats = internals(node).engine.stats;
    const counted = () => (duplicate ? stats.duplicatesDropped : stats.accepted);
    const before = counted();
    // The first copy of a duplicated frame is accepted, not dropped.
    const expected = duplicate ? frames - 1 : frames;
    const started = process.hrtime.bigint();
    worker.postMessage('go');
    await until(() => counted() - before >= expected, 120_000, 'the node to handle every frame');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    worker.postMessage('stop');
    return expected / seconds;
  } finally {
    await worker.terminate();
  }
}

function verifyRate(): number {
  const key = testKeyPair(3);
  const message = Buffer.alloc(300, 7);
  const signature = sodiumCrypto.sign(message, key.secretKey);
  const n = 20_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sodiumCrypto.verify(signature, message, key.publicKey);
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

export const frameRateBench: Bench = {
  name: 'frame-rate',
  title: 'Frames per second one node accepts from one peer (loopback)',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    const frames = full ? 100_000 : 20_000;
    const repeats = full ? 5 : 3;
    const dataDir = mkdtempSync(join(tmpdir(), 'trust-mesh-bench-'));
    // Node 0 does not vote, so it only checks and (with no other peers) forwards nowhere: the receive path alone.
    const node = await TrustMeshNode.start({
      dataDir,
      network: testNetwork([100, 100]),
      key: testKeyPair(0),
      host: '127.0.0.1',
      port: 0,
      validator: false,
      storageSync: 'normal',
    });
    try {
      const valid: number[] = [];
      const duplicates: number[] = [];
      for (let i = 0; i < repeats; i++) {
        valid.push(await run(node, frames, false));
        duplicates.push(await run(node, frames, true));
        log(
          `run ${i + 1}: ${Math.round(valid.at(-1)!)} signed frames/s, ${Math.round(duplicates.at(-1)!)} duplicate frames/s`,
        );
      }
      const verify = verifyRate();
      return {
        name: 'frame-rate',
        title: this.title,
        setup: { framesPerRun: frames, runs: repeats, frame: 'TRUST_UPDATE (~420 bytes)' },
        figures: {
          signedFramesPerSecond: Math.round(median(valid)),
          duplicateFramesPerSecond: Math.round(median(duplicates)),
          ed25519VerifyPerSecond: Math.round(verify),
          signedVsVerifyCeiling: round(median(valid) / verify, 3),
        },
        units: {
          signedFramesPerSecond: 'frames/s',
          duplicateFramesPerSecond: 'frames/s',
          ed25519VerifyPerSecond: 'verifies/s',
          signedVsVerifyCeiling: 'ratio',
        },
        notes: ['medians of the runs; the verify rate is one core, same process, measured right after'],
      };
    } finally {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
