// The SQLite schema as an ordered list of migrations, tracked in `PRAGMA user_version`, and the code that applies them.
// A migration is never edited once released: a schema change is a new step at the end of MIGRATIONS.
import type Database from 'better-sqlite3';
import { TrustMeshError } from '../core/errors.js';

/** Step `i` moves a database from user_version `i` to `i + 1`. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    agent_id TEXT,
    principal_id TEXT,
    at_ms INTEGER NOT NULL,
    order_id TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    event TEXT,
    origin TEXT NOT NULL,
    touched INTEGER,
    body TEXT NOT NULL,
    bytes INTEGER NOT NULL
  );
  CREATE INDEX entries_by_subject_order ON entries (agent_id, principal_id, at_ms, order_id, origin)
    WHERE agent_id IS NOT NULL;
  CREATE INDEX entries_by_agent_seq ON entries (agent_id, seq, principal_id) WHERE agent_id IS NOT NULL;
  CREATE INDEX entries_by_type_order ON entries (type, at_ms, order_id, origin);
  CREATE INDEX entries_evictable_by_touch ON entries (touched) WHERE touched IS NOT NULL;

  CREATE TABLE records (
    agent_id TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    head TEXT NOT NULL,
    record_hash TEXT,
    touched INTEGER NOT NULL,
    PRIMARY KEY (agent_id, principal_id)
  ) WITHOUT ROWID;
  CREATE INDEX records_by_touch ON records (touched);
  CREATE INDEX records_unhashed ON records (agent_id, principal_id) WHERE record_hash IS NULL;
  CREATE INDEX records_by_hash ON records (record_hash);

  CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX proposals_pending ON proposals (id) WHERE state = 'pending';

  CREATE TABLE peers (
    node_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    endpoints TEXT NOT NULL,
    capabilities TEXT NOT NULL,
    last_seen_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX peers_by_last_seen ON peers (last_seen_ms);
  `,
  // Sync: a block is a range of order-key instants (at_ms), so an index on it serves any epoch length; and the
  // block parts applied by sync, recorded in the transaction that stored their entries (resumable after a crash).
  `
  CREATE INDEX entries_by_order_instant ON entries (at_ms);
  CREATE TABLE sync_applied (
    height INTEGER NOT NULL,
    root TEXT NOT NULL,
    part TEXT NOT NULL,
    PRIMARY KEY (height, root, part)
  ) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema up to date in one transaction; a database from a newer release is refused untouched. */
export function migrate(db: Database.Database, migrations: readonly string[] = MIGRATIONS): number {
  const apply = db.transaction(() => {
    const found = db.pragma('user_version', { simple: true }) as number;
    if (found > migrations.length) {
      throw new TrustMeshError(
        'TM_ERR_STORE',
        `database schema version ${found} is newer than this release understands (${migrations.length}); ` +
          'upgrade trust-mesh or use another data directory',
      );
    }
    for (let version = found; version < migrations.length; version++) db.exec(migrations[version]!);
    // user_version takes no bound parameter; the value is our own integer, never input.
    if (found !== migrations.length) db.pragma(`user_version = ${migrations.length}`);
    return found;
  });
  // IMMEDIATE: two processes opening one fresh file must not both run step 0.
  return apply.immediate();
}
