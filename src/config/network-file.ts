// Finds and reads a network file: a path, or the name of one shipped in the package's networks/ folder.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrustMeshError } from '../core/errors.js';
import { loadNetwork, type Network } from '../core/network.js';
import { sodiumCrypto } from '../crypto/sodium.js';

const BUILTIN_DIR = fileURLToPath(new URL('../../../networks/', import.meta.url));
export const BUILTIN_NETWORKS = ['agentproof'] as const;

/** A built-in name becomes the shipped file; a relative path is taken from `baseDir`. */
export function resolveNetworkPath(value: string, baseDir: string): string {
  if ((BUILTIN_NETWORKS as readonly string[]).includes(value)) return resolve(BUILTIN_DIR, `${value}.json`);
  return isAbsolute(value) ? value : resolve(baseDir, value);
}

export function readNetworkFile(path: string): Network {
  if (!existsSync(path)) throw new TrustMeshError('TM_ERR_NETWORK_FILE_INVALID', `${path} does not exist`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TrustMeshError('TM_ERR_NETWORK_FILE_INVALID', `${path}: ${(error as Error).message}`);
  }
  try {
    return loadNetwork(sodiumCrypto, value);
  } catch (error) {
    if (error instanceof TrustMeshError)
      throw new TrustMeshError(error.code, `${path}: ${error.message.replace(/^\w+: /, '')}`);
    throw error;
  }
}
