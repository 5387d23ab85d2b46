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

describe('warming the sync view', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("warm computes closed blocks' roots one or more a slice, oldest first; then a summary reads nothing", {
    timeout: 20_000,
  }, () => {
    dir = mkdtempSync(join(tmpdir(), 'trust-mesh-sync-warm-'));
    const store = SqliteStore.open(join(dir, 'trust-mesh.db'), { crypto: sodiumCrypto });
    try {
      const maker = new EntryMaker({ network, clock: new ManualClock(Date.now() - 60_000) });
      const index = new BlockIndex(sodiumCrypto, network, clock, 0);
      const entries: LedgerEntry[] = [];
      for (let i = 0; i < 40; i++) {
        maker.clock.advance(400);
        entries.push(maker.commit({ agentId: `a-${i % 5}`, principalId: 'p' }));
      }
      store.transaction(() => {
        for (const entry of entries) store.append(entry as Verified<LedgerEntry>);
      });
      for (const entry of entries) index.add(entry);
      const tables = store.syncTables();
      const loads: number[] = [];
      const entriesBetween = tables.entriesBetween.bind(tables);
      tables.entriesBetween = (from, to) => {
        loads.push(from);
        return entriesBetween(from, to);
      };
      const view = new StoreSyncView(sodiumCrypto, store, tables, network, clock, 0);
      // A block kept for paging stays kept: warming reads the others without caching them.
      const first = Math.min(...index.blockRootMap(view.latestHeight()).keys());
      view.partEntries(first, 'commits', 0, 5);
      assert.equal(loads.length, 1);
      // A deadline already past: every call still computes one block, so slices progress however large the ledger.
      let slices = 1;
      while (!view.warm(() => 1, 0)) slices++;
      const blocks = new Set(loads).size;
      assert.ok(blocks >= 10, `${blocks} blocks`);
      assert.equal(loads.length, blocks, 'each block read once');
      assert.equal(slices, blocks + 1, 'one block a slice (the paged one from memory), then the summary');
      assert.deepEqual(
        loads,
        [...loads].sort((a, b) => a - b),
        'oldest block first',
      );
      view.partEntries(first, 'commits', 0, 5);
      assert.equal(loads.length, blocks, 'the paged block was not evicted');
      const top = view.latestHeight();
      assert.equal(view.isWarm(), true);
      assert.equal(view.summary(top).root(), index.summary(top).root());
      assert.equal(
        view.warm(() => 1, 0),
        true,
      );
      assert.equal(loads.length, blocks, 'nothing read again once warm');
      // Summaries asked for older tops do not pile up: the newest few are kept.
      for (let older = top - 1; older > top - 6; older--) view.summary(older);
      assert.equal((Reflect.get(view, 'summaries') as Map<number, unknown>).size, 2);
      // A late entry in an old block: the next warm reads that block alone.
      const late = new EntryMaker({ network, clock: new ManualClock(Date.now() - 60_000 + 1_000) });
      const entry = late.revocation({ agentId: 'late', principalId: 'p' });
      store.append(entry as Verified<LedgerEntry>);
      index.add(entry);
      assert.equal(view.isWarm(), false, 'the late entry changed a block');
      assert.equal(
        view.warm(() => 0, Number.POSITIVE_INFINITY),
        true,
      );
      assert.equal(loads.length, blocks + 1);
      assert.equal(view.summary(top).root(), index.summary(top).root(), 'the late entry is in the summary');
    } finally {
      store.close();
    }
  });
});

describe('parts sync imported whole into empty parts', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("take the roots their transfers proved instead of reading and hashing the block again; anything less doesn't", () => {
    dir = mkdtempSync(join(tmpdir(), 'trust-mesh-sync-adopt-'));
    const store = SqliteStore.open(join(dir, 'trust-mesh.db'), { crypto: sodiumCrypto });
    try {
      // Two blocks (1 s epochs) of commits and revocations, as a serving peer holds them.
      const maker = new EntryMaker({ network, clock: new ManualClock(Date.now() - 60_000) });
      const index = new BlockIndex(sodiumCrypto, network, clock, 0);
      for (let i = 0; i < 16; i++) {
        maker.clock.advance(120);
        index.add(maker.commit({ agentId: `a-${i}`, principalId: 'p' }));
        if (i % 3 === 0) index.add(maker.revocation({ agentId: `a-${i}`, principalId: 'p' }));
      }
      const [whole, short] = [...index.blockRootMap(index.latestHeight()).keys()];
      assert.ok(whole !== undefined && short !== undefined, 'two blocks');
      const tables = store.syncTables();
      let loads = 0;
      const entriesBetween = tables.entriesBetween.bind(tables);
      tables.entriesBetween = (from, to) => {
        loads++;
        return entriesBetween(from, to);
      };
      const view = new StoreSyncView(sodiumCrypto, store, tables, network, clock, 0);
      const importPart = (height: number, part: 'critical' | 'commits', skip = 0) => {
        const mark = view.beforeImport(height, part);
        const entries = index.partEntries(height, part, 0, 1_000);
        store.transaction(() => {
          for (const entry of entries.slice(skip)) store.append(entry as Verified<LedgerEntry>);
        });
        const roots = index.blockRoots(height);
        if (mark !== null)
          view.adoptPart(
            mark,
            part === 'critical' ? roots.criticalRoot : roots.commitRoot,
            part === 'critical' ? roots.criticalCount : roots.commitCount,
          );
        return mark;
      };
      // Both parts of one block into an empty height: its roots come from the transfers, nothing is read.
      assert.notEqual(importPart(whole, 'critical'), null);
      assert.notEqual(importPart(whole, 'commits'), null, 'the other part is known empty after the first');
      assert.deepEqual(view.blockRoots(whole), index.blockRoots(whole));
      assert.equal(loads, 0, 'the block was neither read nor hashed');
      // A part of which one entry was not stored (a key held already, say): the block is read and hashed.
      importPart(short, 'critical');
      importPart(short, 'commits', 1);
      assert.notDeepEqual(view.blockRoots(short), index.blockRoots(short));
      assert.equal(loads, 1, 'computed from the store');
      assert.equal(view.beforeImport(short, 'commits'), null, 'a part that holds entries is not known empty');
      // A later entry in the adopted block: its roots are computed again, with it.
      const lateEntry = new EntryMaker({
        network,
        clock: new ManualClock(Date.parse(index.partEntries(whole, 'commits', 0, 1)[0]!.timestamp) + 1),
      }).revocation({ agentId: 'late', principalId: 'p' });
      store.append(lateEntry as Verified<LedgerEntry>);
      index.add(lateEntry);
      assert.deepEqual(view.blockRoots(whole), index.blockRoots(whole));
      assert.equal(loads, 2, 'read again after the change');
      // What it serves is what a view that adopted nothing computes from the same rows.
      const top = view.latestHeight();
      const cold = new StoreSyncView(sodiumCrypto, store, store.syncTables(), network, clock, 0);
      assert.equal(view.summary(top).root(), cold.summary(top).root());
    } finally {
      store.close();
    }
  });
});
