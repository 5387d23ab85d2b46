// A SignatureVerifier on worker threads: batches go to the least busy worker, each worker runs libsodium.
// The main thread keeps parsing and handling while the checks run, so a second core does the Ed25519 work.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TrustMeshError } from '../core/errors.js';
import type { SignatureVerifier } from '../core/signature-verifier.js';
import type { SignatureCheck } from '../core/signing.js';

export interface BatchRequest {
  readonly id: number;
  readonly count: number;
  readonly signatures: ArrayBuffer;
  readonly keys: ArrayBuffer;
  readonly data: ArrayBuffer;
  /** count + 1 offsets into `data`: check i covers [offsets[i], offsets[i + 1]). */
  readonly offsets: Uint32Array;
}

export interface BatchResult {
  readonly id: number;
  readonly results: Uint8Array;
}

/** Batches queued per worker before the pool reports itself saturated. */
const MAX_IN_FLIGHT_PER_WORKER = 4;

interface PoolWorker {
  readonly worker: Worker;
  readonly waiting: Map<number, { resolve: (results: boolean[]) => void; reject: (error: Error) => void }>;
  /** It stopped (an error, an exit): it is given nothing more. */
  dead: boolean;
}

export class VerifierPool implements SignatureVerifier {
  readonly threads: number;
  private readonly workers: PoolWorker[];
  private nextId = 0;
  private closed = false;
  /** Callers waiting for room (whenAvailable), woken when a batch completes or the pool closes. */
  private waitingForRoom: Array<() => void> = [];

  /** `threads` defaults to one fewer than the machine's cores (the main thread keeps one), at least one. */
  constructor(threads = Math.max(1, availableParallelism() - 1)) {
    this.threads = threads;
    const script = new URL('./verify-worker.js', import.meta.url);
    this.workers = Array.from({ length: threads }, () => {
      const worker = new Worker(script);
      const entry: PoolWorker = { worker, waiting: new Map(), dead: false };
      worker.on('message', (result: BatchResult) => {
        const waiting = entry.waiting.get(result.id);
        entry.waiting.delete(result.id);
        if (entry.waiting.size === 0) worker.unref();
        waiting?.resolve(Array.from(result.results, (value) => value === 1));
        if (this.waitingForRoom.length > 0 && this.canAcceptWork()) this.wakeWaitingForRoom();
      });
      const died = () => {
        entry.dead = true;
        this.failAll(entry);
        this.wakeWaitingForRoom();
      };
      worker.on('error', died);
      worker.on('exit', died);
      // Idle workers do not keep the process alive; a worker with batches in flight does (see verifyBatch).
      worker.unref();
      return entry;
    });
  }

  verifyBatch(checks: readonly SignatureCheck[]): Promise<boolean[]> {
    if (this.closed) return Promise.reject(new TrustMeshError('TM_ERR_NOT_RUNNING', 'verifier pool closed'));
    if (checks.length === 0) return Promise.resolve([]);
    const live = this.workers.filter((entry) => !entry.dead);
    // Nothing is known of the batch: the caller checks it itself (as when a worker dies with it).
    if (live.length === 0)
      return Promise.reject(new TrustMeshError('TM_ERR_INTERNAL', 'no verifier worker left'));
    const request = pack(this.nextId++, checks);
    const target = live.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
    return new Promise((resolve, reject) => {
      target.waiting.set(request.id, { resolve, reject });
      target.worker.ref();
      target.worker.postMessage(request, [
        request.signatures,
        request.keys,
        request.data,
        request.offsets.buffer as ArrayBuffer,
      ]);
    });
  }

  /**
   * Closed or without a live worker it takes work again: each batch is refused at once and checked by its
   * caller, rather than held waiting for room that will never come.
   */
  canAcceptWork(): boolean {
    const live = this.workers.filter((entry) => !entry.dead);
    return (
      this.closed || live.length === 0 || live.some((entry) => entry.waiting.size < MAX_IN_FLIGHT_PER_WORKER)
    );
  }

  whenAvailable(): Promise<void> {
    if (this.canAcceptWork()) return Promise.resolve();
    return new Promise((resolve) => this.waitingForRoom.push(resolve));
  }

  private wakeWaitingForRoom(): void {
    const waiting = this.waitingForRoom;
    this.waitingForRoom = [];
    for (const wake of waiting) wake();
  }

  /** A worker that died fails its batches: nothing is known of them, so the caller checks them itself. */
  private failAll(entry: PoolWorker): void {
    for (const [id, waiting] of entry.waiting) {
      entry.waiting.delete(id);
      waiting.reject(new TrustMeshError('TM_ERR_INTERNAL', 'verifier worker stopped'));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeWaitingForRoom();
    await Promise.all(this.workers.map((entry) => entry.worker.terminate()));
    for (const entry of this.workers) this.failAll(entry);
  }
}

function pack(id: number, checks: readonly SignatureCheck[]): BatchRequest {
  const count = checks.length;
  const signatures = new Uint8Array(count * 64);
  const keys = new Uint8Array(count * 32);
  const offsets = new Uint32Array(count + 1);
  let size = 0;
  for (const check of checks) size += check.message.length;
  const data = new Uint8Array(size);
  let at = 0;
  checks.forEach((check, i) => {
    // Malformed lengths cannot come from verificationSteps, but a bad check must fail, not shift the others.
    if (check.signature.length === 64) signatures.set(check.signature, i * 64);
    if (check.publicKey.length === 32) keys.set(check.publicKey, i * 32);
    offsets[i] = at;
    data.set(check.message, at);
    at += check.message.length;
  });
  offsets[count] = at;
  return { id, count, signatures: signatures.buffer, keys: keys.buffer, data: data.buffer, offsets };
}
