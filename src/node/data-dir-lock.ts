// One running node per data directory: a pid file taken at start and removed at stop.
// Two processes writing one ledger (or one rotating a key under a running node) would corrupt its identity.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrustMeshError } from '../core/errors.js';

export const LOCK_FILE = 'node.pid';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid holding the directory, if a live process does. */
export function lockHolder(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(dataDir, LOCK_FILE), 'utf8'), 10);
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

/** Takes the directory (replacing a stale lock left by a crash); returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        if (lockHolder(dataDir) === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder(dataDir);
      if (holder !== null) {
        throw new TrustMeshError(
          'TM_ERR_DATA_DIR_IN_USE',
          `${dataDir} is in use by process ${holder} (${path})`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new TrustMeshError('TM_ERR_DATA_DIR_IN_USE', `could not take ${path}`);
}
