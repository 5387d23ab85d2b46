// Deterministic keys, signers and networks for tests: the same seed always gives the same node.
// Real Ed25519 (sodium) throughout; nothing here fakes a signature.
import type { KeyPair } from '../../src/core/crypto.js';
import { loadNetwork, type Network, type NetworkFile } from '../../src/core/network.js';
import type { Signer } from '../../src/core/signing.js';
import type { Entropy } from '../../src/core/time.js';
import { createSigner, keyPairFromSeed, sodiumCrypto } from '../../src/crypto/sodium.js';

/** The clock tests move by hand lives in the core now, shared with the simulator. */
export { ManualClock } from '../../src/core/memory/manual-clock.js';

export function testKeyPair(index: number): KeyPair {
  const seed = Buffer.alloc(32);
  seed.writeUInt32BE(index + 1, 28);
  return keyPairFromSeed(seed);
}

const signers = new Map<number, Signer>();

/** Cached: each key pair lives in guarded memory pages, and tens of thousands of them exhaust the process. */
export function testSigner(index: number): Signer {
  let signer = signers.get(index);
  if (signer === undefined) {
    signer = createSigner(testKeyPair(index));
    signers.set(index, signer);
  }
  return signer;
}

/** A network whose first `validators.length` test keys hold the given stakes. */
/** The admission proof-of-work difficulty of test networks (the default network parameter is 20). */
export const TEST_WORK_BITS = 8;

export function testNetwork(
  stakes: readonly number[],
  overrides: Partial<NetworkFile> = {},
  params: NetworkFile['params'] = {},
): Network {
  return loadNetwork(sodiumCrypto, {
    networkId: 'test-net',
    genesisTime: '2026-01-01T00:00:00.000Z',
    epochMs: 60_000,
    // Non-members (test keys beyond the stakes) prove 8 bits of work, not 20: tests start many of them.
    params: { admissionWorkBits: TEST_WORK_BITS, ...params },
    nodes: stakes.map((stake, index) => ({
      name: `node-${index}`,
      publicKey: testSigner(index).publicKey,
      stake,
    })),
    ...overrides,
  });
}

/** Sequential ids and counter-derived nonces: deterministic and unique within a test. */
export class CountingEntropy implements Entropy {
  private counter = 0;
  constructor(private readonly prefix = 'm') {}
  messageId(): string {
    this.counter++;
    return `${this.prefix}-${this.counter.toString().padStart(8, '0')}`;
  }
  nonce(): Uint8Array {
    const nonce = Buffer.alloc(32);
    nonce.writeUInt32BE(++this.counter, 28);
    return nonce;
  }
}
