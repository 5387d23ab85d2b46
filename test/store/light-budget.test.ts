// Light-node mode: stored bytes stay within the budget after every transaction, least recently used subjects go
// first, reads count as use, and key rotations and blacklistings are never evicted.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ledgerKey } from '../../src/core/ledger.js';
import { recordHash, stateHash } from '../../src/core/state/hash.js';
import { deriveRecord, type RecordEntry } from '../../src/core/state/record.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';
import { EntryMaker, type Subject } from '../support/entries.js';
import { TempStores } from './temp-stores.js';

const BUDGET = 20_000;
const subjectNo = (n: number): Subject => ({ agentId: `agent-${n}`, principalId: 'principal' });

describe('SqliteStore light budget', () => {
  const temp = new TempStores();
  let make: EntryMaker;
  beforeEach(() => {
    temp.setUp();
    make = new EntryMaker();
  });
  afterEach(() => temp.tearDown());

  /** What the file itself holds, read over a second connection: the counters must not drift from it. */
  function onDisk(): { bytes: number; entries: number } {
    const db = new Database(temp.path(), { readonly: true });
    try {
      return db
        .prepare('SELECT COALESCE(SUM(bytes), 0) AS bytes, COUNT(*) AS entries FROM entries')
        .get() as {
        bytes: number;
        entries: number;
      };
    } finally {
      db.close();
    }
  }

  function held(store: SqliteStore, count: number): number[] {
    const present: number[] = [];
    for (let n = 0; n < count; n++) {
      if (store.record(subjectNo(n).agentId, subjectNo(n).principalId) !== null) present.push(n);
    }
    return present;
  }

  it('stays within budget after every transaction, keeps the newest subjects and never drops registry events', () => {
    const store = temp.open('ledger.db', { lightBudgetBytes: BUDGET });
    const rotation = make.keyRotation(1, 7);
    const blacklist = make.blacklist(0, 2);
    const oldAlert = make.alert();
    store.transaction(() => {
      for (const entry of [rotation, blacklist, oldAlert]) store.append(entry);
    });

    const SUBJECTS = 60;
    const entriesBySubject = new Map<number, RecordEntry[]>();
    let appended = 0;
    let batch = 1;
    for (let n = 0; n < SUBJECTS; ) {
      store.transaction(() => {
        for (let k = 0; k < batch && n < SUBJECTS; k++, n++) {
          make.clock.advance(1000);
          const entries = [make.commit(subjectNo(n)), make.revocation(subjectNo(n))];
          entriesBySubject.set(n, entries);
          for (const entry of entries) {
            store.append(entry);
            appended += Buffer.byteLength(JSON.stringify(entry));
          }
        }
      });
      batch = (batch % 4) + 1;
      const stats = store.stats();
      assert.ok(stats.bytes <= BUDGET, `${stats.bytes} bytes stored, budget ${BUDGET}`);
      assert.deepEqual(onDisk(), { bytes: stats.bytes, entries: stats.entries });
    }
    assert.ok(appended > 5 * BUDGET, `the stream (${appended} bytes) is several times the budget`);

    const present = held(store, SUBJECTS);
    assert.ok(present.length >= 2, 'recent subjects are kept');
    assert.deepEqual(
      present,
      Array.from({ length: present.length }, (_, i) => SUBJECTS - present.length + i),
    );
    assert.equal(store.has(ledgerKey(rotation)), true);
    assert.equal(store.has(ledgerKey(blacklist)), true);
    assert.equal(store.has(ledgerKey(oldAlert)), false, 'an old security alert is evicted like a subject');
    assert.ok(store.stats().evicted > 0);

    // Whatever was evicted, what is held still hashes exactly like the reference over the held subjects.
    const reference = present.map((n) => recordHash(sodiumCrypto, deriveRecord(entriesBySubject.get(n)!)!));
    assert.equal(store.stateHash(), stateHash(sodiumCrypto, reference));
    const last = subjectNo(SUBJECTS - 1);
    assert.equal(store.entriesFor(last.agentId, undefined, undefined, 10).entries.length, 2);
  });

  it('counts a read as use: a touched subject outlives newer untouched ones', () => {
    const store = temp.open('ledger.db', { lightBudgetBytes: BUDGET });
    const perSubject = Buffer.byteLength(JSON.stringify(make.commit(subjectNo(99))));
    const fits = Math.floor(BUDGET / perSubject);
    for (let n = 0; n < fits; n++) store.append(make.commit(subjectNo(n)));
    assert.deepEqual(
      held(store, fits),
      Array.from({ length: fits }, (_, n) => n),
    );
    store.touch(subjectNo(0).agentId, subjectNo(0).principalId);
    store.append(make.commit(subjectNo(fits)));
    assert.deepEqual(
      held(store, fits + 1),
      [0, ...Array.from({ length: fits - 1 }, (_, n) => n + 2)],
      'subject 1 went instead of the touched subject 0',
    );
  });

  it('applies a smaller budget when reopened, and keeps counters true across reopening', () => {
    const full = temp.open();
    for (let n = 0; n < 20; n++) full.append(make.commit(subjectNo(n)));
    const fullBytes = full.stats().bytes;
    full.close();
    assert.ok(fullBytes > BUDGET);

    const light = temp.open('ledger.db', { lightBudgetBytes: BUDGET });
    const stats = light.stats();
    assert.ok(stats.bytes <= BUDGET);
    assert.deepEqual(onDisk(), { bytes: stats.bytes, entries: stats.entries });
    assert.equal(held(light, 20).at(-1), 19);
    light.close();
    const again = temp.open('ledger.db', { lightBudgetBytes: BUDGET });
    assert.deepEqual(again.stats(), { ...stats, evicted: 0 });
  });

  it('leaves rotations and blacklistings in place even when they alone exceed the budget', () => {
    const store = temp.open('ledger.db', { lightBudgetBytes: 100 });
    const rotation = make.keyRotation(1, 8);
    assert.equal(store.append(rotation), true);
    store.append(make.commit(subjectNo(1)));
    assert.equal(store.has(ledgerKey(rotation)), true);
    assert.equal(store.stats().records, 0);
    assert.equal(store.stats().entries, 1);
  });
});
