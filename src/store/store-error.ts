// Turns SQLite failures (disk full, corruption, locked files) into TM_ERR_STORE errors that keep their cause.
// Only SQLite's own errors are translated; a caller's exception inside a transaction passes through unchanged.
import Database from 'better-sqlite3';
import { TrustMeshError } from '../core/errors.js';

export function storeError(what: string, cause: unknown): TrustMeshError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const code = cause instanceof Database.SqliteError ? cause.code : undefined;
  const error = new TrustMeshError('TM_ERR_STORE', `${what}: ${reason}`, { sqliteCode: code });
  error.cause = cause;
  return error;
}

/** Runs `work`, translating SQLite errors raised by it; anything else is rethrown as it is. */
export function guarded<T>(what: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw error instanceof Database.SqliteError ? storeError(what, error) : error;
  }
}
