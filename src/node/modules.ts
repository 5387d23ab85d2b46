// The modules a node runs on, with the daemon's defaults: SQLite in the data directory, libsodium, the system
// clock and randomness, inline or pooled signature checks. Tests and embedders inject their own.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Crypto } from '../core/crypto.js';
import { InlineSignatureVerifier, type SignatureVerifier } from '../core/signature-verifier.js';
import type { Clock, Entropy } from '../core/time.js';
import { randomBytes, sodiumCrypto } from '../crypto/sodium.js';
import { VerifierPool } from '../crypto/verifier-pool.js';
import { type Logger, silentLogger } from '../log.js';
import type { NodeStore } from '../store/interface.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { NodeModules, NodeOptions } from './types.js';

export const systemClock: Clock = { now: () => Date.now() };
export const monotonicClock: Clock = { now: () => performance.now() };
export const systemEntropy: Entropy = { messageId: () => randomUUID(), nonce: () => randomBytes(32) };

export interface ResolvedModules {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly monotonic: Clock;
  readonly random: () => number;
  readonly entropy: Entropy;
  readonly crypto: Crypto;
  readonly store: NodeStore;
  /** Null: signatures are checked inside the engine's turn, on the main thread. */
  readonly verifier: SignatureVerifier | null;
  /** What the node itself created and must close on stop (an injected module stays the caller's). */
  readonly owned: { readonly store: boolean; readonly verifier: boolean };
}

/** Fills in defaults. Opens the SQLite store (and starts a verifier pool) only when none was given. */
export function resolveModules(options: NodeOptions, modules: NodeModules): ResolvedModules {
  const crypto = modules.crypto ?? sodiumCrypto;
  const type = options.type ?? 'full';
  const store =
    modules.store ??
    SqliteStore.open(join(options.dataDir, 'trust-mesh.db'), {
      crypto,
      synchronous: options.storageSync ?? 'full',
      ...(type === 'light' ? { lightBudgetBytes: options.lightCacheBytes ?? 1024 ** 3 } : {}),
    });
  const threads = options.verifierThreads ?? 0;
  let verifier: SignatureVerifier | null = modules.verifier ?? null;
  if (verifier === null && threads > 0) {
    try {
      verifier = new VerifierPool(threads);
    } catch (error) {
      if (modules.store === undefined) store.close();
      throw error;
    }
  }
  return {
    logger: modules.logger ?? silentLogger(),
    clock: modules.clock ?? systemClock,
    monotonic: modules.monotonic ?? monotonicClock,
    random: modules.random ?? Math.random,
    entropy: modules.entropy ?? systemEntropy,
    crypto,
    store,
    verifier: verifier instanceof InlineSignatureVerifier ? null : verifier,
    owned: {
      store: modules.store === undefined,
      verifier: modules.verifier === undefined && verifier !== null,
    },
  };
}
