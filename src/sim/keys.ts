// Node keys for simulated nodes: node i always gets the same Ed25519 key, derived from a fixed seed and i.
// Secret keys live in ordinary buffers, not libsodium's guarded pages, so ten thousand nodes fit in one process.
import sodium from 'sodium-native';
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from '../core/crypto.js';
import { toBase64 } from '../core/encoding.js';
import { nodeIdOf, type Signer } from '../core/signing.js';
import { sodiumCrypto } from '../crypto/sodium.js';

/** Simulation keys only: predictable by design, never a live node's key. */
export function simulatedSigner(index: number): Signer {
  const seed = Buffer.alloc(sodium.crypto_sign_SEEDBYTES);
  seed.write('trust-mesh-sim', 0, 'ascii');
  seed.writeUInt32BE(index, 28);
  const publicKey = Buffer.alloc(PUBLIC_KEY_BYTES);
  const secretKey = Buffer.alloc(SECRET_KEY_BYTES);
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
  return {
    nodeId: nodeIdOf(sodiumCrypto, publicKey),
    publicKey: toBase64(publicKey),
    sign: (bytes) => sodiumCrypto.sign(bytes, secretKey),
  };
}
