// The node's Ed25519 key on disk: created once by `trust-mesh init`, readable by its owner only (mode 0600).
// Rotation writes the new key atomically and keeps the retired one beside it, named by its node id.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyPair } from '../core/crypto.js';
import { fromBase64, toBase64 } from '../core/encoding.js';
import { TrustMeshError } from '../core/errors.js';
import { nodeIdOf } from '../core/signing.js';
import { generateKeyPair, keyPairFromSeed, seedOf, sodiumCrypto } from '../crypto/sodium.js';

export const KEY_FILE = 'node-key.json';

interface KeyFileContents {
  version: 1;
  nodeId: string;
  publicKey: string;
  /** The 32-byte Ed25519 seed (RFC 8032 secret key), base64. */
  seed: string;
  createdAt: string;
}

export function keyPath(dataDir: string): string {
  return join(dataDir, KEY_FILE);
}

export function hasKey(dataDir: string): boolean {
  return existsSync(keyPath(dataDir));
}

function writeKey(path: string, keyPair: KeyPair, createdAt: string): void {
  const contents: KeyFileContents = {
    version: 1,
    nodeId: nodeIdOf(sodiumCrypto, keyPair.publicKey),
    publicKey: toBase64(keyPair.publicKey),
    seed: toBase64(seedOf(keyPair)),
    createdAt,
  };
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** Creates a new key; refuses to replace an existing one unless `force`. */
export function createKey(dataDir: string, now: Date, force = false): KeyPair {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = keyPath(dataDir);
  if (existsSync(path) && !force) {
    throw new TrustMeshError(
      'TM_ERR_KEY_EXISTS',
      `${path} exists; pass --force to replace it (the old identity is lost)`,
    );
  }
  const keyPair = generateKeyPair();
  writeKey(path, keyPair, now.toISOString());
  return keyPair;
}

export function loadKey(dataDir: string): KeyPair {
  const path = keyPath(dataDir);
  if (!existsSync(path))
    throw new TrustMeshError('TM_ERR_KEY_MISSING', `no key at ${path}; run \`trust-mesh init\``);
  let contents: Partial<KeyFileContents>;
  try {
    contents = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeyFileContents>;
  } catch (error) {
    throw new TrustMeshError(
      'TM_ERR_KEY_MISSING',
      `${path} is not a readable key file: ${(error as Error).message}`,
    );
  }
  const seed = typeof contents.seed === 'string' ? fromBase64(contents.seed, 32) : null;
  if (seed === null) throw new TrustMeshError('TM_ERR_KEY_MISSING', `${path} has no valid seed`);
  const keyPair = keyPairFromSeed(seed);
  if (contents.publicKey !== undefined && contents.publicKey !== toBase64(keyPair.publicKey)) {
    throw new TrustMeshError('TM_ERR_KEY_MISSING', `${path}: publicKey does not match the seed`);
  }
  return keyPair;
}

/** Installs a new key as the node key, keeping the retired key file as node-key.<old id>.retired.json. */
export function replaceKey(dataDir: string, retired: KeyPair, next: KeyPair, now: Date): void {
  const retiredId = nodeIdOf(sodiumCrypto, retired.publicKey);
  writeKey(join(dataDir, `node-key.${retiredId.slice(0, 16)}.retired.json`), retired, now.toISOString());
  writeKey(keyPath(dataDir), next, now.toISOString());
}
