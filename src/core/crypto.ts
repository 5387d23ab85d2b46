// The cryptographic primitives the pure core needs, as an injected interface (implemented in src/crypto/).
// Keeping them behind an interface lets the simulator swap in a cost model and keeps src/core free of I/O.

export interface KeyPair {
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** 64-byte libsodium secret key (seed followed by public key). */
  readonly secretKey: Uint8Array;
}

export interface Crypto {
  sha256(data: Uint8Array): Uint8Array;
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** Never throws: malformed keys or signatures simply do not verify. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 64;
export const SIGNATURE_BYTES = 64;
