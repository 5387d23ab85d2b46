// Ed25519 and SHA-256 from libsodium (sodium-native), behind the core's Crypto interface, plus key generation.
// libsodium verifies about twice as fast as node:crypto on this machine (../shared/FACTS.md), which dominates cost.
import sodium from 'sodium-native';
import type { Crypto, KeyPair } from '../core/crypto.js';
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, SIGNATURE_BYTES } from '../core/crypto.js';
import { toBase64 } from '../core/encoding.js';
import { nodeIdOf, type Signer } from '../core/signing.js';

const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export const sodiumCrypto: Crypto = {
  sha256(data) {
    const out = Buffer.alloc(32);
    sodium.crypto_hash_sha256(out, asBuffer(data));
    return out;
  },
  sign(message, secretKey) {
    const out = Buffer.alloc(SIGNATURE_BYTES);
    sodium.crypto_sign_detached(out, asBuffer(message), asBuffer(secretKey));
    return out;
  },
  verify(signature, message, publicKey) {
    if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
    try {
      return sodium.crypto_sign_verify_detached(asBuffer(signature), asBuffer(message), asBuffer(publicKey));
    } catch {
      return false;
    }
  },
};

export function generateKeyPair(): KeyPair {
  const publicKey = Buffer.alloc(PUBLIC_KEY_BYTES);
  const secretKey = sodium.sodium_malloc(SECRET_KEY_BYTES);
  sodium.crypto_sign_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

/** Deterministic key pair from a 32-byte seed (RFC 8032 secret key); used for key files and tests. */
export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  if (seed.length !== sodium.crypto_sign_SEEDBYTES) throw new RangeError('seed must be 32 bytes');
  const publicKey = Buffer.alloc(PUBLIC_KEY_BYTES);
  const secretKey = sodium.sodium_malloc(SECRET_KEY_BYTES);
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, asBuffer(seed));
  return { publicKey, secretKey };
}

export function seedOf(keyPair: KeyPair): Uint8Array {
  return keyPair.secretKey.subarray(0, sodium.crypto_sign_SEEDBYTES);
}

export function randomBytes(length: number): Uint8Array {
  const out = Buffer.alloc(length);
  sodium.randombytes_buf(out);
  return out;
}

/** A Signer over a key pair held in memory (the daemon's own key, or a test key). */
export function createSigner(keyPair: KeyPair): Signer {
  const publicKey = toBase64(keyPair.publicKey);
  return {
    nodeId: nodeIdOf(sodiumCrypto, keyPair.publicKey),
    publicKey,
    sign: (bytes) => sodiumCrypto.sign(bytes, keyPair.secretKey),
  };
}
