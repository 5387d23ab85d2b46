// Worker thread for the frame-rate benchmark: handshakes with the node as a genesis validator, then sends
// pre-signed frames as fast as the socket drains, so the receiving node (main thread) is the bottleneck.
import { parentPort, workerData } from 'node:worker_threads';
import type { TrustUpdate } from '../src/core/messages/schemas.js';
import { signMessage } from '../src/core/signing.js';
import { isoTimestamp } from '../src/core/time.js';
import { testKeyPair, testSigner } from '../test/support/fixtures.js';
import { RawPeer } from '../test/support/mesh.js';

interface SenderJob {
  url: string;
  networkId: string;
  keyIndex: number;
  frames: number;
  /** Send the same frame every time (duplicates) instead of distinct signed updates. */
  duplicate: boolean;
}

const job = workerData as SenderJob;
const signer = testSigner(job.keyIndex);
const now = Date.now();
const make = (i: number) =>
  JSON.stringify(
    signMessage<TrustUpdate>(signer, job.networkId, {
      type: 'TRUST_UPDATE',
      version: '1.0',
      id: `bench-${job.duplicate ? 'dup' : i}-${now}`,
      timestamp: isoTimestamp(now),
      origin: signer.nodeId,
      originKey: signer.publicKey,
      payload: { agentId: `agent-${i}`, principalId: 'bench', trustScore: i % 1001, event: 'SCORE_UPDATE' },
    }),
  );
const frames = job.duplicate ? [make(0)] : Array.from({ length: job.frames }, (_, i) => make(i));

const peer = await RawPeer.connect(job.url, testKeyPair(job.keyIndex), job.networkId);
await peer.handshake();
parentPort!.postMessage({ ready: true });
await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));
for (let i = 0; i < job.frames; i++) {
  peer.socket.send(job.duplicate ? frames[0]! : frames[i]!);
  if (peer.socket.bufferedAmount > 4 * 1024 * 1024) {
    await new Promise<void>((resolve) => {
      const check = () => (peer.socket.bufferedAmount < 1024 * 1024 ? resolve() : setTimeout(check, 1));
      check();
    });
  }
}
parentPort!.postMessage({ sent: job.frames });
await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));
peer.close();
