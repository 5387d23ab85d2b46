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
parentPort!.postMessage({ ready: true });
await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));

const pause = () => new Promise((resolve) => setTimeout(resolve, job.gapMs));
const result: ProbeResult = { pingMs: [], healthMs: [], pingAt: [], healthAt: [], healthFailures: 0 };

async function pings(): Promise<void> {
  while (!stopped && !peer.closed) {
    const at = Date.now();
    const timestamp = isoTimestamp(at);
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
    if (!stopped) {
      result.pingMs.push(performance.now() - started);
      result.pingAt.push(at);
    }
    // Keep the received list short: the probe only needs the answer it waits for.
    peer.received.length = 0;
    peer.texts.length = 0;
    await pause();
  }
}

async function health(): Promise<void> {
  while (!stopped) {
    const at = Date.now();
    const started = performance.now();
    try {
      const answer = await fetch(job.healthUrl);
      await answer.arrayBuffer();
      if (!answer.ok) result.healthFailures++;
    } catch {
      result.healthFailures++;
    }
    if (!stopped) {
      result.healthMs.push(performance.now() - started);
      result.healthAt.push(at);
    }
    await pause();
  }
}

await Promise.all([pings(), health()]);
parentPort!.postMessage(result);
peer.close();
