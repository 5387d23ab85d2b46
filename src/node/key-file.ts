// The node's Ed25519 key on disk: created once by `trust-mesh init`, readable by its owner only (mode 0600).
// Rotation writes the new key atomically and keeps the retired one beside it, named by its node id.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { KeyPair } from '../core/crypto.js';
import { fromBase64, toBase64 } from '../core/encoding.js';
import { TrustMeshError } from '../core/errors.js';
import type { Ledger } from '../core/ledger.js';
import { nodeIdOf } from '../core/signing.js';
import { generateKeyPair, keyPairFromSeed, seedOf, sodiumCrypto } from '../crypto/sodium.js';

export const KEY_FILE = 'node-key.json';
/** A new key written before its rotation is in the ledger; start-up promotes or discards it (see node.ts). */
export const PENDING_KEY_FILE = 'node-key.pending.json';

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

/** Writes a file so that it is on disk, whole, before this returns: temp file, fsync, rename, fsync dir. */
function writeDurably(path: string, text: string): void {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

function writeKey(path: string, keyPair: KeyPair, createdAt: string): void {
  const contents: KeyFileContents = {
    version: 1,
    nodeId: nodeIdOf(sodiumCrypto, keyPair.publicKey),
    publicKey: toBase64(keyPair.publicKey),
    seed: toBase64(seedOf(keyPair)),
    createdAt,
  };
  writeDurably(path, `${JSON.stringify(contents, null, 2)}\n`);
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

export function loadKey(dataDir: string, path = keyPath(dataDir)): KeyPair {
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

/**
 * Key rotation on disk, in three steps so that a crash at any point leaves a usable identity:
 * 1. writePendingKey: the new key beside the current one; 2. the caller stores the KEY_ROTATION in the ledger;
 * 3. promotePendingKey: the retired key is kept as node-key.<old id>.retired.json, the new one becomes the key.
 * A pending key whose rotation never reached the ledger is discarded at the next start.
 */
export function writePendingKey(dataDir: string, next: KeyPair, now: Date): void {
  writeKey(join(dataDir, PENDING_KEY_FILE), next, now.toISOString());
}

export function readPendingKey(dataDir: string): KeyPair | null {
  const path = join(dataDir, PENDING_KEY_FILE);
  return existsSync(path) ? loadKey(dataDir, path) : null;
}

export function promotePendingKey(dataDir: string, retired: KeyPair, now: Date): void {
  const retiredId = nodeIdOf(sodiumCrypto, retired.publicKey);
  writeKey(join(dataDir, `node-key.${retiredId.slice(0, 16)}.retired.json`), retired, now.toISOString());
  renameSync(join(dataDir, PENDING_KEY_FILE), keyPath(dataDir));
  const dir = openSync(dataDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

export function discardPendingKey(dataDir: string): void {
  rmSync(join(dataDir, PENDING_KEY_FILE), { force: true });
}

/**
 * Completes a key rotation a crash interrupted: a pending key whose rotation reached the ledger becomes the
 * node's key; one whose rotation did not is discarded. Returns the key to run with.
 */
export function finishPendingRotation(
  dataDir: string,
  ledger: Pick<Ledger, 'entriesOfType'>,
  current: KeyPair,
  now: Date,
): KeyPair {
  const pending = readPendingKey(dataDir);
  if (pending === null) return current;
  const pendingId = nodeIdOf(sodiumCrypto, pending.publicKey);
  const rotated = ledger
    .entriesOfType(['KEY_ROTATION'])
    .some((entry) => entry.type === 'KEY_ROTATION' && entry.newNodeId === pendingId);
  if (!rotated) {
    discardPendingKey(dataDir);
    return current;
  }
  if (nodeIdOf(sodiumCrypto, current.publicKey) !== pendingId) promotePendingKey(dataDir, current, now);
  return pending;
}
