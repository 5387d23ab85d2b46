// The SQLite ledger on real files: appends, duplicates, rollback, reopening, paging, proposals, peers, migrations.
// Entries are really signed; only the Verified brand is minted by the test helper.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { ProposalRecord } from '../../src/core/consensus/proposals.js';
import { isTrustMeshError, TrustMeshError } from '../../src/core/errors.js';
import { ledgerKey } from '../../src/core/ledger.js';
import type { LedgerEntry } from '../../src/core/messages/schemas.js';
import { stateHash } from '../../src/core/state/hash.js';
import { deriveRecord, type RecordEntry } from '../../src/core/state/record.js';
import { isoTimestamp } from '../../src/core/time.js';
import type { Verified } from '../../src/core/verified.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { MIGRATIONS, migrate, SCHEMA_VERSION } from '../../src/store/schema.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';
import { EntryMaker } from '../support/entries.js';
import { testSigner } from '../support/fixtures.js';
import { TempStores } from './temp-stores.js';

const alice = { agentId: 'agent-alice', principalId: 'principal-1' };
const aliceToo = { agentId: 'agent-alice', principalId: 'principal-2' };
const bob = { agentId: 'agent-bob', principalId: 'principal-1' };
const EMPTY_STATE = stateHash(sodiumCrypto, []);

const isStoreError = (error: unknown) => isTrustMeshError(error) && error.code === 'TM_ERR_STORE';

function appendAll(store: SqliteStore, entries: readonly Verified<LedgerEntry>[]): void {
  store.transaction(() => {
    for (const entry of entries) store.append(entry);
  });
}

describe('SqliteStore', () => {
  const temp = new TempStores();
  let make: EntryMaker;
  beforeEach(() => {
    temp.setUp();
    make = new EntryMaker();
  });
  afterEach(() => temp.tearDown());

  it('stores commits and revocations and derives the records the reference model derives', () => {
    const store = temp.open();
    assert.equal(store.stateHash(), EMPTY_STATE);
    const first = make.commit(alice, { trustScore: 700 });
    make.clock.advance(1000);
    const second = make.commit(alice, { trustScore: 650, event: 'SCORE_UPDATE' });
    make.clock.advance(1000);
    const revocation = make.revocation(alice);
    const other = make.commit(bob, { trustScore: 100 });
    for (const entry of [second, other, revocation, first]) assert.equal(store.append(entry), true);

    assert.equal(store.size(), 4);
    assert.deepEqual(
      store.record(alice.agentId, alice.principalId),
      deriveRecord([first, second, revocation]),
    );
    assert.equal(store.record(alice.agentId, alice.principalId)?.revoked, true);
    assert.deepEqual(store.recordsOfAgent('agent-bob'), [deriveRecord([other])]);
    assert.equal(store.record('agent-carol', 'principal-1'), null);
    assert.deepEqual(store.get(ledgerKey(first)), first);
    assert.equal(store.has(ledgerKey(first)), true);
    assert.equal(store.has(first.id), false, 'a commit is keyed by its update id');
    assert.deepEqual(store.history(alice.agentId, alice.principalId, 1, 1), {
      items: [deriveRecord([first, second, revocation])!.updateHistory[1]],
      total: 3,
    });
  });

  it('ignores a duplicate append and changes nothing', () => {
    const store = temp.open();
    const commit = make.commit(alice);
    assert.equal(store.append(commit), true);
    const before = { hash: store.stateHash(), stats: store.stats(), seq: store.latestSeq() };
    assert.equal(store.append(commit), false);
    assert.equal(store.append(JSON.parse(JSON.stringify(commit))), false);
    assert.deepEqual({ hash: store.stateHash(), stats: store.stats(), seq: store.latestSeq() }, before);
  });

  it('keeps the commit with the smaller id when an origin equivocates, in either arrival order', () => {
    const original = make.commit(alice, { commitId: 'commit-b', voters: [0, 1] });
    const rival = make.recommit(original, { commitId: 'commit-a', voters: [0, 2] });
    const forward = temp.open('forward.db');
    const backward = temp.open('backward.db');
    assert.equal(forward.append(original), true);
    assert.equal(forward.append(rival), true, 'the smaller commit id replaces the stored one');
    assert.equal(backward.append(rival), true);
    assert.equal(backward.append(original), false);
    for (const store of [forward, backward]) {
      assert.deepEqual(store.get(ledgerKey(original)), rival);
      assert.deepEqual(store.record(alice.agentId, alice.principalId), deriveRecord([original, rival]));
      assert.equal(store.size(), 1);
    }
    assert.equal(forward.stateHash(), backward.stateHash());
    assert.equal(forward.stats().bytes, backward.stats().bytes);
  });

  it('rolls a failed transaction back completely, including nested savepoints', () => {
    const store = temp.open();
    const kept = make.commit(alice);
    store.append(kept);
    const hashBefore = store.stateHash();
    const statsBefore = store.stats();
    const boom = new Error('boom');
    assert.throws(
      () =>
        store.transaction(() => {
          store.append(make.commit(bob));
          store.append(make.revocation(alice));
          assert.notEqual(store.stateHash(), hashBefore);
          throw boom;
        }),
      (error) => error === boom,
    );
    assert.deepEqual(store.stats(), statsBefore);
    assert.equal(store.stateHash(), hashBefore, 'no cached hash survives the rollback');
    assert.deepEqual(store.recordsOfAgent('agent-bob'), []);

    const outer = make.commit(aliceToo);
    const inner = make.commit(bob);
    store.transaction(() => {
      store.append(outer);
      assert.throws(() =>
        store.transaction(() => {
          store.append(inner);
          throw new Error('inner');
        }),
      );
    });
    assert.equal(store.has(ledgerKey(outer)), true);
    assert.equal(store.has(ledgerKey(inner)), false);
    assert.equal(store.size(), 2);
  });

  it('reopens with the same entries, records, state hash and counters', () => {
    const entries: Verified<LedgerEntry>[] = [];
    for (let i = 0; i < 20; i++) {
      make.clock.advance(500);
      const subject = [alice, aliceToo, bob][i % 3]!;
      entries.push(i % 7 === 6 ? make.revocation(subject) : make.commit(subject, { trustScore: i * 10 }));
    }
    entries.push(make.keyRotation(1, 5), make.blacklist(0, 2), make.alert());
    const store = temp.open();
    appendAll(store, entries);
    const before = {
      hash: store.stateHash(),
      stats: store.stats(),
      seq: store.latestSeq(),
      alice: store.recordsOfAgent('agent-alice'),
      special: store.entriesOfType(['KEY_ROTATION', 'BLACKLIST']),
    };
    store.close();
    store.close();
    assert.throws(() => store.size() + store.stateHash().length, isStoreError);

    const reopened = temp.open();
    assert.deepEqual(
      {
        hash: reopened.stateHash(),
        stats: reopened.stats(),
        seq: reopened.latestSeq(),
        alice: reopened.recordsOfAgent('agent-alice'),
        special: reopened.entriesOfType(['KEY_ROTATION', 'BLACKLIST']),
      },
      before,
    );
    assert.equal(before.special.length, 2);
    assert.equal(before.stats.entries, 23);
  });

  it('pages entriesFor with cursors, covering every entry of the agent or subject exactly once', () => {
    const store = temp.open();
    const all: Verified<LedgerEntry>[] = [];
    for (let i = 0; i < 25; i++) {
      make.clock.advance(100);
      const subject = [alice, bob, aliceToo, alice][i % 4]!;
      all.push(i % 5 === 4 ? make.revocation(subject) : make.commit(subject));
    }
    all.push(make.alert());
    appendAll(store, all);
    const ofAgent = all.filter(
      (entry) => entry.type !== 'SECURITY_ALERT' && subjectOfEntry(entry).agentId === 'agent-alice',
    );
    const ofSubject = ofAgent.filter((entry) => subjectOfEntry(entry).principalId === 'principal-1');
    for (const limit of [1, 2, 3, 7, 100]) {
      assert.deepEqual(collect(store, 'agent-alice', undefined, limit), ofAgent, `agent, limit ${limit}`);
      assert.deepEqual(
        collect(store, 'agent-alice', 'principal-1', limit),
        ofSubject,
        `subject, limit ${limit}`,
      );
    }
    assert.deepEqual(store.entriesFor('agent-alice', undefined, 'not-a-cursor', 5), { entries: [] });
    assert.deepEqual(store.entriesFor('agent-nobody', undefined, undefined, 5), { entries: [] });
    assert.equal(store.entriesFor('agent-alice', undefined, undefined, 0).entries.length, 1);
  });

  it('resumes entriesSince from any seq and sees entries appended later', () => {
    const store = temp.open();
    assert.equal(store.latestSeq(), 0);
    const first = [
      make.commit(alice),
      make.alert(),
      make.revocation(bob),
      make.keyRotation(2, 6),
      make.commit(bob),
    ];
    appendAll(store, first);
    const seen: LedgerEntry[] = [];
    let position = 0;
    for (
      let page = store.entriesSince(position, 2);
      page.length > 0;
      page = store.entriesSince(position, 2)
    ) {
      assert.ok(page.every((item) => item.seq > position));
      seen.push(...page.map((item) => item.entry));
      position = page[page.length - 1]!.seq;
    }
    assert.deepEqual(seen, first);
    assert.equal(position, store.latestSeq());
    const later = make.commit(aliceToo);
    store.append(later);
    assert.deepEqual(store.entriesSince(position, 10), [{ seq: position + 1, entry: later }]);
    assert.deepEqual(store.entriesSince(store.latestSeq(), 10), []);
  });

  it('persists proposals and settles the ones a restart interrupted', () => {
    const store = temp.open();
    const now = make.clock.now();
    const proposal = (update = make.update(alice)): ProposalRecord => ({
      id: update.id,
      state: 'pending',
      update,
      createdAt: now,
      deadline: now + 10_000,
      acceptWeight: 10,
      rejectWeight: 0,
      totalStake: 30,
      votes: 1,
      reasons: {},
    });
    const settled: ProposalRecord = {
      ...proposal(),
      state: 'rejected',
      rejection: 'TM_ERR_PROPOSAL_REJECTED',
    };
    const interrupted = proposal();
    const committedBeforeCrash = proposal();
    const commit = make.commit(alice, {}, committedBeforeCrash.update);
    for (const record of [settled, interrupted, committedBeforeCrash]) store.saveProposal(record);
    store.append(commit);
    assert.deepEqual(store.loadProposal(interrupted.id), interrupted);
    store.close();

    const reopened = temp.open();
    assert.deepEqual(reopened.loadProposal(settled.id), settled);
    assert.deepEqual(reopened.loadProposal(interrupted.id), {
      ...interrupted,
      state: 'rejected',
      rejection: 'TM_ERR_PROPOSAL_EXPIRED',
      settledAt: interrupted.deadline,
    });
    const recovered = reopened.loadProposal(committedBeforeCrash.id);
    assert.equal(recovered?.state, 'committed');
    assert.deepEqual(recovered?.commit, commit);
    assert.equal(reopened.loadProposal('never-proposed'), null);
  });

  it('remembers peers, most recently seen first', () => {
    const store = temp.open();
    const peer = (index: number, lastSeenMs: number) => ({
      nodeId: testSigner(index).nodeId,
      publicKey: testSigner(index).publicKey,
      endpoints: [`ws://127.0.0.1:${7000 + index}/mesh`],
      capabilities: ['FULL_NODE'],
      lastSeenMs,
    });
    store.savePeer(peer(1, 1000));
    store.savePeer(peer(2, 3000));
    store.savePeer(peer(3, 2000));
    store.savePeer({ ...peer(1, 4000), capabilities: ['FULL_NODE', 'VALIDATOR'] });
    assert.deepEqual(
      store.loadPeers(10).map((p) => [p.nodeId, p.lastSeenMs]),
      [
        [testSigner(1).nodeId, 4000],
        [testSigner(2).nodeId, 3000],
        [testSigner(3).nodeId, 2000],
      ],
    );
    assert.deepEqual(store.loadPeers(1)[0], { ...peer(1, 4000), capabilities: ['FULL_NODE', 'VALIDATOR'] });
    store.forgetPeer(testSigner(2).nodeId);
    assert.equal(store.loadPeers(10).length, 2);
  });

  it('stores hostile subject ids and cursors as plain data', () => {
    const store = temp.open();
    const hostile = { agentId: "x'); DROP TABLE entries; --", principalId: '%_*"\\' };
    const commit = make.commit(hostile);
    store.append(commit);
    assert.deepEqual(store.record(hostile.agentId, hostile.principalId), deriveRecord([commit]));
    assert.deepEqual(store.entriesFor(hostile.agentId, undefined, '0 OR 1=1', 10), { entries: [] });
    assert.equal(store.record('%', '%'), null);
    assert.equal(store.size(), 1);
  });

  it('records timestamps and history exactly as the entries carry them', () => {
    const store = temp.open();
    const at = make.clock.now();
    const plain = make.commit(alice, { timestamp: isoTimestamp(at).replace('.000Z', 'Z'), updateId: 'b' });
    const precise = make.commit(alice, { timestamp: isoTimestamp(at), updateId: 'a' });
    appendAll(store, [plain, precise]);
    const record = store.record(alice.agentId, alice.principalId)!;
    assert.deepEqual(record, deriveRecord([plain, precise]));
    assert.deepEqual(
      record.updateHistory.map((item) => item.timestamp),
      [precise.update.timestamp, plain.update.timestamp],
      'equal instants order by id',
    );
  });
});

describe('SqliteStore migrations and failures', () => {
  const temp = new TempStores();
  beforeEach(() => temp.setUp());
  afterEach(() => temp.tearDown());

  it('refuses a database written by a newer schema and leaves it untouched', () => {
    const db = new Database(temp.path());
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(
      () => temp.open(),
      (error: unknown) => isStoreError(error) && /newer than this release/.test((error as Error).message),
    );
    const check = new Database(temp.path());
    assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
    assert.deepEqual(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all(), []);
    check.close();
  });

  it('applies later steps in order, and none of a step that fails', () => {
    temp.open().close();
    const db = new Database(temp.path());
    const next = [...MIGRATIONS, 'ALTER TABLE peers ADD COLUMN note TEXT'];
    assert.equal(migrate(db, next), SCHEMA_VERSION);
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
    const broken = [...next, 'CREATE TABLE extra (x INTEGER); SELECT * FROM no_such_table'];
    assert.throws(() => migrate(db, broken));
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").all(), []);
    db.close();
  });

  it('reports a file that is not a database as TM_ERR_STORE with its cause', () => {
    writeFileSync(temp.path(), Buffer.alloc(8192, 'not a database '));
    assert.throws(
      () => temp.open(),
      (error: unknown) =>
        error instanceof TrustMeshError &&
        error.code === 'TM_ERR_STORE' &&
        error.cause instanceof Database.SqliteError &&
        error.cause.code === 'SQLITE_NOTADB',
    );
  });

  it('surfaces SQLite failures as TM_ERR_STORE and never commits a half-written append', () => {
    const make = new EntryMaker();
    const store = temp.open();
    store.append(make.commit(bob));
    const before = { stats: store.stats(), hash: store.stateHash(), seq: store.latestSeq() };
    // A real SQLite failure halfway through an append: the entry row is written, then its record update aborts.
    const admin = new Database(temp.path());
    admin.exec(
      `CREATE TRIGGER fail_records BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'no space'); END`,
    );
    const isAbort = (error: unknown) =>
      isStoreError(error) && (error as Error).cause instanceof Database.SqliteError;

    assert.throws(() => store.append(make.commit(alice)), isAbort);
    const lostAlert = make.alert();
    assert.throws(
      () =>
        store.transaction(() => {
          assert.throws(() => store.append(make.revocation(alice)), isAbort);
          store.append(lostAlert);
        }),
      isStoreError,
      'a transaction holding a half-written append rolls back even when its work swallowed the error',
    );
    assert.equal(store.has(ledgerKey(lostAlert)), false);
    assert.deepEqual({ stats: store.stats(), hash: store.stateHash(), seq: store.latestSeq() }, before);

    const keptAlert = make.alert();
    store.transaction(() => {
      store.append(keptAlert);
      assert.throws(() =>
        store.transaction(() => {
          assert.throws(() => store.append(make.commit(alice)), isAbort);
        }),
      );
    });
    assert.equal(
      store.has(ledgerKey(keptAlert)),
      true,
      'only the savepoint holding the torn append rolled back',
    );
    assert.equal(store.size(), before.stats.entries + 1);

    const innerAlert = make.alert();
    assert.throws(
      () =>
        store.transaction(() => {
          assert.throws(() => store.append(make.commit(alice)), isAbort);
          store.transaction(() => store.append(innerAlert));
        }),
      isStoreError,
      'a clean savepoint inside a torn transaction does not save it',
    );
    assert.equal(store.has(innerAlert.id), false);

    admin.exec('DROP TRIGGER fail_records');
    admin.close();
    assert.equal(store.append(make.commit(alice)), true);
    const after = store.stats();
    assert.deepEqual([after.entries, after.records], [3, 2]);
    store.close();
    assert.deepEqual(temp.open().stats(), after, 'the counters matched the file');
  });

  it('rejects a budget that is not a positive integer', () => {
    assert.throws(
      () => temp.open('ledger.db', { lightBudgetBytes: 0 }),
      (error: unknown) => isTrustMeshError(error) && error.code === 'TM_ERR_CONFIG_INVALID',
    );
  });
});

function subjectOfEntry(entry: LedgerEntry): { agentId: string; principalId: string } {
  const record = entry as RecordEntry;
  return record.type === 'COMMIT' ? record.update.payload : record.payload;
}

function collect(
  store: SqliteStore,
  agentId: string,
  principalId: string | undefined,
  limit: number,
): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = store.entriesFor(agentId, principalId, cursor, limit);
    assert.ok(page.entries.length <= limit);
    out.push(...page.entries);
    if (page.next === undefined) return out;
    cursor = page.next;
  }
  throw new Error('paging did not end');
}
