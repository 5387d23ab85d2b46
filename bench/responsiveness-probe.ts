// Worker thread for the flood-responsiveness benchmark: an honest member peer that PINGs the node and a client
// that GETs /healthz, one request at a time each, timing every round trip on its own event loop until 'stop'.
import { parentPort, workerData } from 'node:worker_threads';
import { isoTimestamp } from '../src/core/time.js';
import { testKeyPair } from '../test/support/fixtures.js';
import { RawPeer } from '../test/support/mesh.js';

export interface ProbeJob {
  url: string;
  healthUrl: string;
  networkId: string;
  keyIndex: number;
  /** Pause between two probes of one kind, so the probes themselves are not a load. */
  gapMs: number;
}

/** Untimed rounds of each probe before it reports ready. */
const WARM_UP_ROUNDS = 20;

export interface ProbeResult {
  pingMs: number[];
  healthMs: number[];
  /** When each probe of the same index started (Date.now()), to pick those made while a flood ran. */
  pingAt: number[];
  healthAt: number[];
  healthFailures: number;
}

const job = workerData as ProbeJob;
const peer = await RawPeer.connect(job.url, testKeyPair(job.keyIndex), job.networkId);
await peer.handshake();
let stopped = false;
parentPort!.on('message', (message) => {
  if (message === 'stop') stopped = true;
});

const pause = () => new Promise((resolve) => setTimeout(resolve, job.gapMs));
const result: ProbeResult = { pingMs: [], healthMs: [], pingAt: [], healthAt: [], healthFailures: 0 };

/** One PING answered by its PONG (or the probe stopped or cut): its round trip in ms. */
async function ping(): Promise<number> {
  const timestamp = isoTimestamp(Date.now());
  const seen = peer.received.length;
  const started = performance.now();
  peer.sendJson({ type: 'PING', timestamp });
  await new Promise<void>((resolve) => {
    const check = () =>
      stopped ||
      peer.closed ||
      peer.received.slice(seen).some((m) => m.type === 'PONG' && m.timestamp === timestamp);
    const onMessage = () => {
      if (check()) {
        peer.socket.off('message', onMessage);
        resolve();
      }
    };
    peer.socket.on('message', onMessage);
  });
  const ms = performance.now() - started;
  // Keep the received list short: the probe only needs the answer it waits for.
  peer.received.length = 0;
  peer.texts.length = 0;
  return ms;
}

/** One GET /healthz read to its end: its time in ms, and whether it answered 2xx. */
async function healthz(): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now();
  let ok = false;
  try {
    const answer = await fetch(job.healthUrl);
    await answer.arrayBuffer();
    ok = answer.ok;
  } catch {
    ok = false;
  }
  return { ms: performance.now() - started, ok };
}

// Warm up before 'ready': a fresh worker's first fetch loads the HTTP client and opens its connection, and the first
// rounds run cold code (60–65 ms measured, with no flood). Those are the probe's own costs, not the node's; timed
// from the first probe, they fell inside a flood that lasts a few tenths of a second and set its p99.
for (let i = 0; i < WARM_UP_ROUNDS; i++) {
  await ping();
  await healthz();
}
parentPort!.postMessage({ ready: true });
await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));

async function pings(): Promise<void> {
  while (!stopped && !peer.closed) {
    const at = Date.now();
    const ms = await ping();
    if (!stopped) {
      result.pingMs.push(ms);
      result.pingAt.push(at);
    }
    await pause();
  }
}

async function health(): Promise<void> {
  while (!stopped) {
    const at = Date.now();
    const { ms, ok } = await healthz();
    if (!ok) result.healthFailures++;
    if (!stopped) {
      result.healthMs.push(ms);
      result.healthAt.push(at);
    }
    await pause();
  }
}

await Promise.all([pings(), health()]);
parentPort!.postMessage(result);
peer.close();
