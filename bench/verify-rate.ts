// The machine's one-core Ed25519 verify rate (libsodium), measured in the same run as the figures compared to it.
import { sodiumCrypto } from '../src/crypto/sodium.js';
import { testKeyPair } from '../test/support/fixtures.js';

export function verifyRate(n = 20_000): number {
  const key = testKeyPair(3);
  const message = Buffer.alloc(300, 7);
  const signature = sodiumCrypto.sign(message, key.secretKey);
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sodiumCrypto.verify(signature, message, key.publicKey);
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}
