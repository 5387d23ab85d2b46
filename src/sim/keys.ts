// Identities of simulated nodes: node i always gets the same Ed25519 key, network file entry and entropy seeds.
// Exported so that a run of real nodes (test/sim/real-socket-parity) can take on exactly the same identities.
import sodium from 'sodium-native';
import { type Crypto, type KeyPair, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from '../core/crypto.js';
import { toBase64 } from '../core/encoding.js';
import { loadNetwork, type Network } from '../core/network.js';
import { nodeIdOf, type Signer } from '../core/signing.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import type { Scenario } from './scenario.js';

/**
 * Simulation keys only: predictable by design, never a live node's key. Secret keys live in ordinary buffers,
 * not libsodium's guarded pages, so ten thousand nodes fit in one process.
 */
export function simulatedKeyPair(index: number): KeyPair {
  const seed = Buffer.alloc(sodium.crypto_sign_SEEDBYTES);
  seed.write('trust-mesh-sim', 0, 'ascii');
  seed.writeUInt32BE(index, 28);
  const publicKey = Buffer.alloc(PUBLIC_KEY_BYTES);
  const secretKey = Buffer.alloc(SECRET_KEY_BYTES);
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
  return { publicKey, secretKey };
}

export function simulatedSigner(index: number): Signer {
  const { publicKey, secretKey } = simulatedKeyPair(index);
  return {
    nodeId: nodeIdOf(sodiumCrypto, publicKey),
    publicKey: toBase64(publicKey),
    sign: (bytes) => sodiumCrypto.sign(bytes, secretKey),
  };
}

/** The network file of a run: members 0 … members-1 with the scenario's stakes and parameters. */
export function simulatedNetwork(crypto: Crypto, scenario: Scenario, signers: readonly Signer[]): Network {
  return loadNetwork(crypto, {
    networkId: 'sim-net',
    genesisTime: '2026-01-01T00:00:00.000Z',
    epochMs: 60_000,
    params: scenario.params,
    nodes: signers.slice(0, scenario.members).map((signer, i) => ({
      name: `n${i}`,
      publicKey: signer.publicKey,
      stake: scenario.stakes[i]!,
    })),
  });
}

/**
 * Seed of node `index`'s message ids in a run with `seed`, for its `start`-th engine (0 = first start): a restart
 * continues with a derived seed, so a rebuilt engine never repeats the ids of the one before.
 */
export function simulatedEntropySeed(seed: number, index: number, start: number): number {
  const base = (seed * 0x01000193 + index + 1) >>> 0;
  return (base + start * 0x9e37_79b9) >>> 0;
}
