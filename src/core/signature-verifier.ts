// The seam for Ed25519 work: a batch of checks in, one boolean each out, possibly later and on other threads.
// The daemon may use a worker pool (src/crypto/verifier-pool.ts); tests and the simulator check inline.
import type { Crypto } from './crypto.js';
import type { SignatureCheck } from './signing.js';

export interface SignatureVerifier {
  /** Threads the checks run on besides the caller's (0 when inline). */
  readonly threads: number;
  /**
   * One result per check, in order. A malformed check is simply false; the promise rejects only when the
   * verifier itself failed (closed, a worker died), and then nothing is known about the batch.
   */
  verifyBatch(checks: readonly SignatureCheck[]): Promise<boolean[]>;
  /** False while the verifier is saturated, so callers can hold work back instead of queueing without bound. */
  canAcceptWork(): boolean;
  /** Resolves once canAcceptWork() is true again (at once if it is now, and when the verifier closes). */
  whenAvailable(): Promise<void>;
  close(): Promise<void>;
}

/** Checks on the calling thread: no parallelism, no overhead; the default for tests and the simulator. */
export class InlineSignatureVerifier implements SignatureVerifier {
  readonly threads = 0;

  constructor(private readonly crypto: Crypto) {}

  verifyBatch(checks: readonly SignatureCheck[]): Promise<boolean[]> {
    return Promise.resolve(
      checks.map((check) => this.crypto.verify(check.signature, check.message, check.publicKey)),
    );
  }

  canAcceptWork(): boolean {
    return true;
  }

  whenAvailable(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
