// Worker thread for the invalid-frame and flood-responsiveness benchmarks: handshakes as a genesis member, builds
// frames of one hostile kind, then sends them (once, or round and round until told to stop) as fast as it drains.
import { parentPort, workerData } from 'node:worker_threads';
import type { TrustUpdate } from '../src/core/messages/schemas.js';
import { signMessage } from '../src/core/signing.js';
import { isoTimestamp } from '../src/core/time.js';
import { testKeyPair, testSigner } from '../test/support/fixtures.js';
import { RawPeer } from '../test/support/mesh.js';

/** What the frames are; each is refused or dropped by the node before any signature check. */
export type HostileKind =
  /** A type this version does not know: ignored by the decoder (not the sender's fault, not scored). */
  | 'unknown-type'
  /** A version this node does not speak: ignored by the decoder. */
  | 'unknown-version'
  /** A well-formed TRUST_UPDATE from a key outside the network file: ignored by the engine, no signature check. */
  | 'non-member-origin'
  /** A member's TRUST_UPDATE dated an hour ago: ignored by the engine, no signature check. */
  | 'stale-timestamp'
  /** PINGs: answered in place with a PONG. */
  | 'ping'
  /** One accepted signed update sent again and again: dropped by the duplicate-frame filter before parsing. */
  | 'duplicate'
  /** Distinct validly signed proposals from the sending member, far over its per-origin budget. */
  | 'signed-proposals';

export interface HostileJob {
  url: string;
  networkId: string;
  /** The sending member's test key. */
  keyIndex: number;
  kind: HostileKind;
  /** Distinct frames built (the flood cycles through them). */
  frames: number;
  /** Send them round and round until 'stop' instead of once. */
  repeat: boolean;
}

const BUFFER_HIGH = 4 * 1024 * 1024;
const BUFFER_LOW = 1024 * 1024;

function build(job: HostileJob, run: string): string[] {
  const member = testSigner(job.keyIndex);
  const outsider = testSigner(1_000 + job.keyIndex);
  const now = Date.now();
  const update = (i: number, signer = member, at = now, sign = true) => {
    const unsigned = {
      type: 'TRUST_UPDATE' as const,
      version: '1.0' as const,
      id: `hostile-${run}-${i}`,
      timestamp: isoTimestamp(at),
      origin: signer.nodeId,
      originKey: signer.publicKey,
      payload: { agentId: `agent-${i}`, principalId: 'bench', trustScore: i % 1001, event: 'SCORE_UPDATE' },
    };
    return sign ? signMessage<TrustUpdate>(signer, job.networkId, unsigned as never) : unsigned;
  };
  // One real signature reused: where the node never checks it, its cost would only slow the sender.
  const signature = (update(0) as TrustUpdate).payload.signature;
  const unsignedUpdate = (i: number, signer = member, at = now) => {
    const draft = update(i, signer, at, false) as TrustUpdate;
    return JSON.stringify({ ...draft, payload: { ...draft.payload, signature } });
  };
  const count = job.kind === 'duplicate' ? 1 : job.frames;
  const builders: Record<HostileKind, (i: number) => string> = {
    'unknown-type': (i) =>
      JSON.stringify({ type: 'NOT_A_MESSAGE', version: '1.0', id: `hostile-${run}-${i}` }),
    'unknown-version': (i) => JSON.stringify({ ...JSON.parse(unsignedUpdate(i)), version: '9.9' }),
    'non-member-origin': (i) => unsignedUpdate(i, outsider),
    'stale-timestamp': (i) => unsignedUpdate(i, member, now - 3_600_000),
    ping: () => JSON.stringify({ type: 'PING', timestamp: isoTimestamp(now) }),
    duplicate: (i) => JSON.stringify(update(i)),
    'signed-proposals': (i) => JSON.stringify(update(i)),
  };
  return Array.from({ length: count }, (_, i) => builders[job.kind](i));
}

async function drained(peer: RawPeer): Promise<void> {
  if (peer.socket.bufferedAmount <= BUFFER_HIGH) return;
  await new Promise<void>((resolve) => {
    const check = () =>
      peer.socket.bufferedAmount < BUFFER_LOW || peer.closed ? resolve() : setTimeout(check, 1);
    check();
  });
}

const job = workerData as HostileJob;
const frames = build(job, `${process.pid}-${Date.now()}`);
const peer = await RawPeer.connect(job.url, testKeyPair(job.keyIndex), job.networkId);
await peer.handshake();
let stopped = false;
parentPort!.on('message', (message) => {
  if (message === 'stop') stopped = true;
});
parentPort!.postMessage({ ready: true });
await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));
let sent = 0;
const started = performance.now();
const startedAt = Date.now();
do {
  for (const frame of frames) {
    if (stopped || peer.closed) break;
    peer.socket.send(frame);
    sent++;
    if (sent % 256 === 0) {
      await drained(peer);
      // Let 'stop' through: the loop otherwise never yields while the socket keeps up.
      if (job.repeat) await new Promise((resolve) => setImmediate(resolve));
    }
  }
} while (job.repeat && !stopped && !peer.closed);
parentPort!.postMessage({
  sent,
  seconds: (performance.now() - started) / 1000,
  startedAt,
  endedAt: Date.now(),
  closedWith: peer.closed ? peer.closeReason : null,
});
if (!stopped) await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));
peer.close();
