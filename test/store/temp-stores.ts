// Fresh SQLite files for each test in a temporary directory, closed and deleted afterwards.
// Tests open real stores on disk: WAL, fsync and reopening behave as they do in the daemon.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite-store.js';

export class TempStores {
  private directory: string | null = null;
  private readonly opened: SqliteStore[] = [];

  get dir(): string {
    if (this.directory === null) throw new Error('TempStores.setUp() was not called');
    return this.directory;
  }

  setUp(): void {
    this.directory = mkdtempSync(join(tmpdir(), 'trust-mesh-store-'));
  }

  path(name = 'ledger.db'): string {
    return join(this.dir, name);
  }

  open(name = 'ledger.db', options: Partial<SqliteStoreOptions> = {}): SqliteStore {
    const store = SqliteStore.open(this.path(name), { crypto: sodiumCrypto, ...options });
    this.opened.push(store);
    return store;
  }

  tearDown(): void {
    for (const store of this.opened.splice(0)) store.close();
    if (this.directory !== null) rmSync(this.directory, { recursive: true, force: true });
    this.directory = null;
  }
}
