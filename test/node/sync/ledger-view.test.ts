import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { LedgerEntry } from '../../../src/core/messages/schemas.js';
import { BlockIndex } from '../../../src/core/sync/block-index.js';
import type { Verified } from '../../../src/core/verified.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { StoreSyncView } from '../../../src/node/sync/ledger-view.js';
import { MIGRATIONS } from '../../../src/store/schema.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import { EntryMaker } from '../../support/entries.js';
import { ManualClock, testNetwork } from '../../support/fixtures.js';

const network = testNetwork([10, 10, 10], { epochMs: 1_000 });
const clock = new ManualClock(Date.now());

describe('the sync view over SQLite', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('an existing database gains the sync tables; roots follow appends and replacements like BlockIndex', () => {
    dir = mkdtempSync(join(tmpdir(), 'trust-mesh-sync-view-'));
    const path = join(dir, 'trust-mesh.db');
    const maker = new EntryMaker({ network, clock: new ManualClock(Date.now() - 60_000) });
    const early = maker.commit({ agentId: 'a', principalId: 'p' }, { commitId: 'c-z' });
    // A database of the first schema version, with one entry in it.
    const old = new Database(path);
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    old.close();
    let store = SqliteStore.open(path, { crypto: sodiumCrypto });
    store.append(early as Verified<LedgerEntry>);
    store.close();
    store = SqliteStore.open(path, { crypto: sodiumCrypto });
    try {
      const tables = store.syncTables();
      const view = new StoreSyncView(sodiumCrypto, store, tables, network, clock, 0);
      const index = new BlockIndex(sodiumCrypto, network, clock, 0);
      index.add(early);
      const top = view.latestHeight();
      assert.equal(view.summary(top).root(), index.summary(top).root());
      const later: LedgerEntry[] = [];
      for (let i = 0; i < 30; i++) {
        maker.clock.advance(400);
        later.push(maker.commit({ agentId: `a-${i % 4}`, principalId: 'p' }));
        if (i % 7 === 0) later.push(maker.revocation({ agentId: `a-${i % 4}`, principalId: 'p' }));
      }
      store.transaction(() => {
        for (const entry of later) store.append(entry as Verified<LedgerEntry>);
      });
      for (const entry of later) index.add(entry);
      assert.equal(view.summary(top).root(), index.summary(top).root(), 'appends seen');
      // An equivocated commit with a smaller id replaces the held one: rows go, so every cached root is dropped.
      const replacement = maker.recommit(early, { commitId: 'c-a' });
      assert.equal(store.append(replacement as Verified<LedgerEntry>), true);
      index.add(replacement);
      assert.equal(view.summary(top).root(), index.summary(top).root(), 'replacement seen');
      const height = [...index.blockRootMap(top).keys()][0]!;
      assert.deepEqual(view.blockRoots(height), index.blockRoots(height));
      assert.deepEqual(view.partEntries(height, 'commits', 0, 5), index.partEntries(height, 'commits', 0, 5));
      store.transaction(() => tables.markApplied(height, 'ab'.repeat(32), 'critical'));
      assert.deepEqual(tables.applied(), [{ height, root: 'ab'.repeat(32), part: 'critical' }]);
    } finally {
      store.close();
    }
  });
});
