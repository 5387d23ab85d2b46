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
  /** Pause between two /healthz reads, so the probe itself is not a load. */
  gapMs: number;
  /**
   * Pause between two PINGs. PINGs spend the connection's link budget like any honest peer's (100/s by
   * default, net/link-budget.ts): a probe faster than that has its own PINGs dropped unanswered.
   */
  pingGapMs: number;
}

/** Untimed rounds of each probe before it reports ready. */
const WARM_UP_ROUNDS = 20;
/** A PING unanswered this long counts as failed (a node that drops it must not hang the probe). */
const PING_TIMEOUT_MS = 1_000;

export interface ProbeResult {
  pingMs: number[];
  healthMs: number[];
  /** When each probe of the same index started (Date.now()), to pick those made while a flood ran. */
  pingAt: number[];
  healthAt: number[];
  healthFailures: number;
  /** PINGs with no PONG within PING_TIMEOUT_MS, or cut short by the connection closing (not by 'stop'). */
  pingFailures: number;
  /** How the node closed the probe's peer connection ("code reason"), if it did before 'stop'. */
  closedWith: string | null;
}

const job = workerData as ProbeJob;
const peer = await RawPeer.connect(job.url, testKeyPair(job.keyIndex), job.networkId);
await peer.handshake();
let stopped = false;
/** Wakes a PING waiting for its PONG when 'stop' comes. */
let wakePing: (() => void) | null = null;
parentPort!.on('message', (message) => {
  if (message !== 'stop') return;
  stopped = true;
  wakePing?.();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const result: ProbeResult = {
  pingMs: [],
  healthMs: [],
  pingAt: [],
  healthAt: [],
  healthFailures: 0,
  pingFailures: 0,
  closedWith: null,
};

/** One PING: its round trip in ms once its PONG comes; null if the probe stopped, the socket closed or it timed out. */
async function ping(): Promise<number | null> {
  const timestamp = isoTimestamp(Date.now());
  const seen = peer.received.length;
  const started = performance.now();
  peer.sendJson({ type: 'PING', timestamp });
  const answered = await new Promise<boolean>((resolve) => {
    const finish = (pong: boolean) => {
      peer.socket.off('message', onMessage);
      peer.socket.off('close', onClose);
      clearTimeout(timer);
      wakePing = null;
      resolve(pong);
    };
    const onMessage = () => {
      if (peer.received.slice(seen).some((m) => m.type === 'PONG' && m.timestamp === timestamp)) finish(true);
    };
    const onClose = () => finish(false);
    const timer = setTimeout(() => finish(false), PING_TIMEOUT_MS);
    wakePing = () => finish(false);
    peer.socket.on('message', onMessage);
    peer.socket.on('close', onClose);
    if (stopped || peer.closed) finish(false);
  });
  const ms = performance.now() - started;
  // Keep the received list short: the probe only needs the answer it waits for.
  peer.received.length = 0;
  peer.texts.length = 0;
  return answered ? ms : null;
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
// rounds run cold code (PING 39–40 ms, /healthz 60–65 ms measured, with no flood). Those are the probe's own costs,
// not the node's; timed from the first probe, they fell inside a flood lasting a few tenths of a second and set its p99.
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
    if (stopped) break;
    if (ms === null) {
      result.pingFailures++;
    } else {
      result.pingMs.push(ms);
      result.pingAt.push(at);
    }
    await pause(job.pingGapMs);
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
    await pause(job.gapMs);
  }
}

await Promise.all([pings(), health()]);
if (peer.closed) result.closedWith = `${peer.closeCode} ${peer.closeReason}`;
parentPort!.postMessage(result);
peer.close();
