// MemoryLedger against SqliteStore: the same appends (any order, duplicates, equivocations, failed transactions)
// must give the same records, state hash, size, pages, cursors and entry order — and a failed transaction nothing.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import type { ProposalRecord } from '../../src/core/consensus/proposals.js';
import { ledgerKey } from '../../src/core/ledger.js';
import { MemoryLedger } from '../../src/core/memory/memory-ledger.js';
import type { LedgerEntry } from '../../src/core/messages/schemas.js';
import { recordHash, stateHash } from '../../src/core/state/hash.js';
import { deriveRecord, type RecordEntry, subjectOf } from '../../src/core/state/record.js';
import { isoTimestamp } from '../../src/core/time.js';
import type { Verified } from '../../src/core/verified.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { TempStores } from '../store/temp-stores.js';
import { EntryMaker, type Subject } from '../support/entries.js';

/** Principals outside the BMP and above U+E000 sort differently by UTF-16 unit than by code point (SQLite). */
const SUBJECTS: readonly Subject[] = [
  { agentId: 'agent-a', principalId: 'principal-1' },
  { agentId: 'agent-a', principalId: 'principal-\u{1F600}' },
  { agentId: 'agent-a', principalId: 'principal-\uFF21' },
  { agentId: 'agent-b', principalId: 'principal-1' },
];
const AGENTS = [...new Set(SUBJECTS.map((subject) => subject.agentId))];
const EVENTS = ['VERIFICATION_SUCCESS', 'SCORE_UPDATE', 'VERIFICATION_FAILURE'] as const;
const ALL_TYPES: LedgerEntry['type'][] = [
  'COMMIT',
  'REVOCATION',
  'KEY_ROTATION',
  'BLACKLIST',
  'SECURITY_ALERT',
];
const BOGUS = 'boom';

/**
 * Signed once: commits with rival commits of one update, revocations with a rival under the same id, a
 * reinstatement lifting one, repeated instants (ties decided by id), and critical events of every stored kind.
 */
function makePool(): Verified<LedgerEntry>[] {
  const make = new EntryMaker();
  const base = make.clock.now();
  const pool: Verified<LedgerEntry>[] = [];
  let liftable: string | null = null;
  for (let i = 0; i < 30; i++) {
    const subject = SUBJECTS[i % SUBJECTS.length]!;
    const timestamp = isoTimestamp(base + ((i * 5) % 7) * 1000);
    const id = `e${((i * 31) % 97).toString().padStart(2, '0')}`;
    if (i % 5 === 2) {
      const revocation = make.revocation(subject, { timestamp, id });
      pool.push(revocation);
      if (i % 10 === 2) pool.push(make.revocation(subject, { timestamp, id, reason: 'rival' }));
      liftable ??= ledgerKey(revocation);
      continue;
    }
    const reinstating = i === 13 && liftable !== null;
    const commit = make.commit(subject, {
      timestamp,
      updateId: id,
      commitId: `c-${id}-1`,
      trustScore: (i * 137) % 1001,
      event: reinstating ? 'REINSTATEMENT' : EVENTS[i % EVENTS.length],
      ...(reinstating ? { lifts: [liftable!] } : {}),
      voters: [0, 1],
    });
    pool.push(commit);
    if (i % 4 === 1) pool.push(make.recommit(commit, { commitId: `c-${id}-0`, voters: [1, 2] }));
  }
  make.clock.advance(500);
  pool.push(
    make.keyRotation(1, 7),
    make.keyRotation(1, 8),
    make.blacklist(0, 2),
    make.alert(0),
    make.alert(2),
  );
  return pool;
}

type Mode = 'bare' | 'transaction' | 'throwing' | 'nested-throwing';
interface Step {
  readonly picks: readonly number[];
  readonly mode: Mode;
}

function proposal(id: string, createdAt: number): ProposalRecord {
  const make = new EntryMaker();
  return {
    id,
    state: 'pending',
    update: make.update(SUBJECTS[0]!, { updateId: id }),
    createdAt,
    deadline: createdAt + 10_000,
    acceptWeight: 0,
    rejectWeight: 0,
    totalStake: 30,
    votes: 0,
    reasons: {},
  };
}

type AnyLedger = MemoryLedger | SqliteStore;

/** Runs the steps on one ledger; a throwing step's work is caught here, as the caller of a failed turn would. */
function run(
  ledger: AnyLedger,
  pool: readonly Verified<LedgerEntry>[],
  steps: readonly Step[],
  saved: ProposalRecord[],
): void {
  const append = (picks: readonly number[]) => {
    for (const i of picks) ledger.append(pool[i]!);
  };
  for (const [index, { picks, mode }] of steps.entries()) {
    const record = saved[index]!;
    const throwing = () => {
      throw new Error(BOGUS);
    };
    if (mode === 'bare') {
      append(picks);
      continue;
    }
    if (mode === 'transaction') {
      ledger.transaction(() => {
        append(picks);
        ledger.saveProposal(record);
      });
      continue;
    }
    if (mode === 'throwing') {
      assert.throws(
        () =>
          ledger.transaction(() => {
            append(picks);
            ledger.saveProposal(record);
            throwing();
          }),
        { message: BOGUS },
      );
      continue;
    }
    // An inner transaction fails and is caught: only its part is undone, the outer one commits.
    const half = Math.floor(picks.length / 2);
    ledger.transaction(() => {
      append(picks.slice(0, half));
      assert.throws(
        () =>
          ledger.transaction(() => {
            append(picks.slice(half));
            ledger.saveProposal(record);
            throwing();
          }),
        { message: BOGUS },
      );
    });
  }
}

/** Every read of the Ledger interface, so two ledgers can be compared whole. */
function view(ledger: AnyLedger, pool: readonly Verified<LedgerEntry>[], saved: readonly ProposalRecord[]) {
  const pages = (agentId: string, principalId: string | undefined, limit: number) => {
    const walked: Array<{ ids: string[]; next: string | undefined }> = [];
    let cursor: string | undefined;
    do {
      const page = ledger.entriesFor(agentId, principalId, cursor, limit);
      walked.push({ ids: page.entries.map(ledgerKey), next: page.next });
      cursor = page.next;
    } while (cursor !== undefined && walked.length < 100);
    return walked;
  };
  return {
    size: ledger.size(),
    hash: ledger.stateHash(),
    subjects: SUBJECTS.map(({ agentId, principalId }) => ({
      record: ledger.record(agentId, principalId),
      open: ledger.openRevocations(agentId, principalId),
      pages: [1, 3].map((limit) => pages(agentId, principalId, limit)),
    })),
    agents: AGENTS.map((agentId) => ({
      records: ledger.recordsOfAgent(agentId),
      pages: [1, 2, 1000].map((limit) => pages(agentId, undefined, limit)),
      bogus: ['x', '-1', '1e3', '0'].map((cursor) => ledger.entriesFor(agentId, undefined, cursor, 2)),
      clamped: [0, -5, Number.NaN, 2.7].map((limit) =>
        ledger.entriesFor(agentId, undefined, undefined, limit),
      ),
    })),
    ofTypes: [['KEY_ROTATION', 'BLACKLIST'], ['COMMIT'], ['SECURITY_ALERT', 'REVOCATION'], ALL_TYPES, []].map(
      (types) => ledger.entriesOfType(types as LedgerEntry['type'][]),
    ),
    entries: pool.map((entry) => ({
      has: ledger.has(ledgerKey(entry)),
      entry: ledger.get(ledgerKey(entry)),
    })),
    proposals: saved.map((record) => ledger.loadProposal(record.id)),
  };
}

const steps = (poolSize: number) =>
  fc.array(
    fc.record({
      picks: fc.array(fc.nat({ max: poolSize - 1 }), { maxLength: 8 }),
      mode: fc.constantFrom<Mode>('bare', 'transaction', 'transaction', 'throwing', 'nested-throwing'),
    }),
    { maxLength: 12 },
  );

describe('MemoryLedger', () => {
  const pool = makePool();
  const temp = new TempStores();
  let opened = 0;
  beforeEach(() => temp.setUp());
  afterEach(() => temp.tearDown());

  const openStore = () =>
    SqliteStore.open(temp.path(`s-${opened++}.db`), { crypto: sodiumCrypto, synchronous: 'normal' });

  it('answers every read exactly as SqliteStore after the same appends and failed transactions', () => {
    fc.assert(
      fc.property(steps(pool.length), (plan) => {
        const saved = plan.map((_, index) => proposal(`p-${index}`, 1_000 + index));
        const memory = new MemoryLedger(sodiumCrypto);
        const store = openStore();
        try {
          run(memory, pool, plan, saved);
          run(store, pool, plan, saved);
          assert.deepEqual(view(memory, pool, saved), view(store, pool, saved));
        } finally {
          store.close();
        }
      }),
      { numRuns: 120 },
    );
  });

  it('converges with SqliteStore and the reference model for the same set in any order with duplicates', () => {
    const records = pool.filter(
      (entry): entry is Verified<RecordEntry> =>
        entry.type !== 'KEY_ROTATION' && entry.type !== 'BLACKLIST' && entry.type !== 'SECURITY_ALERT',
    );
    const index = fc.nat({ max: pool.length - 1 });
    fc.assert(
      fc.property(
        fc
          .array(index, { maxLength: 40 })
          .chain((picked) =>
            fc.tuple(
              fc.constant(picked),
              fc.shuffledSubarray(picked, { minLength: picked.length, maxLength: picked.length }),
              fc.array(index, { maxLength: 10 }),
            ),
          ),
        ([picked, shuffled, extra]) => {
          const memory = new MemoryLedger(sodiumCrypto);
          const store = openStore();
          try {
            const repeats = extra.filter((i) => picked.includes(i));
            store.transaction(() => {
              for (const i of picked) store.append(pool[i]!);
            });
            for (const i of [...repeats, ...shuffled, ...repeats]) memory.append(pool[i]!);

            const chosen = [...new Set(picked)].map((i) => pool[i]!);
            const expected = SUBJECTS.map((subject) =>
              deriveRecord(
                records.filter(
                  (entry) =>
                    chosen.includes(entry) &&
                    subjectOf(entry).agentId === subject.agentId &&
                    subjectOf(entry).principalId === subject.principalId,
                ),
              ),
            );
            const reference = stateHash(
              sodiumCrypto,
              expected.filter((record) => record !== null).map((record) => recordHash(sodiumCrypto, record!)),
            );
            assert.equal(memory.stateHash(), reference);
            assert.equal(memory.stateHash(), store.stateHash());
            assert.equal(memory.size(), store.size());
            assert.equal(memory.size(), new Set(chosen.map(ledgerKey)).size);
            SUBJECTS.forEach(({ agentId, principalId }, i) => {
              assert.deepEqual(memory.record(agentId, principalId), expected[i]);
              assert.deepEqual(memory.record(agentId, principalId), store.record(agentId, principalId));
            });
          } finally {
            store.close();
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it('keeps nothing of a transaction whose work throws, however much it did first', () => {
    const memory = new MemoryLedger(sodiumCrypto);
    const kept = pool[0]!;
    assert.equal(memory.append(kept), true);
    const before = view(memory, pool, []);
    const record = proposal('p-rolled-back', 5);
    assert.throws(
      () =>
        memory.transaction(() => {
          for (const entry of pool) memory.append(entry);
          memory.saveProposal(record);
          memory.stateHash();
          memory.transaction(() => memory.append(pool[1]!));
          throw new Error(BOGUS);
        }),
      { message: BOGUS },
    );
    assert.deepEqual(view(memory, pool, []), before);
    assert.equal(memory.loadProposal(record.id), null);
    // Storage order continues as if the failed work never ran, as SQLite's AUTOINCREMENT does after a rollback.
    assert.equal(memory.append(pool[1]!), true);
    assert.equal(memory.append(pool[3]!), true);
    const agentId = subjectOf(kept as RecordEntry).agentId;
    assert.deepEqual(memory.entriesFor(agentId, undefined, '1', 1), { entries: [pool[1]], next: '2' });
  });

  it('refuses a duplicate, keeps the preferred rival of an equivocation, and hands out entries nobody can alter', () => {
    const memory = new MemoryLedger(sodiumCrypto);
    const make = new EntryMaker();
    const original = make.commit(SUBJECTS[0]!, { commitId: 'commit-b', voters: [0, 1] });
    const rival = make.recommit(original, { commitId: 'commit-a', voters: [0, 2] });
    assert.equal(memory.append(original), true);
    assert.equal(memory.append(JSON.parse(JSON.stringify(original))), false);
    assert.equal(memory.append(rival), true, 'the smaller commit id replaces the held one');
    assert.equal(memory.append(original), false);
    assert.equal(memory.size(), 1);
    const held = memory.get(ledgerKey(original))!;
    assert.equal(held.id, 'commit-a');
    assert.throws(() => {
      (held as { id: string }).id = 'tampered';
    }, TypeError);
    const record = memory.record(SUBJECTS[0]!.agentId, SUBJECTS[0]!.principalId)!;
    record.signatures[0]!.signature = 'changed by the caller';
    assert.notEqual(
      memory.record(SUBJECTS[0]!.agentId, SUBJECTS[0]!.principalId)!.signatures[0]!.signature,
      'changed by the caller',
    );
  });

  it('marks a transaction torn when an append inside it fails, even if the work catches the failure', () => {
    const memory = new MemoryLedger(sodiumCrypto);
    const broken = {
      ...pool[0]!,
      get type(): never {
        throw new Error(BOGUS);
      },
    } as unknown as Verified<LedgerEntry>;
    assert.throws(
      () =>
        memory.transaction(() => {
          memory.append(pool[1]!);
          assert.throws(() => memory.append(broken), { message: BOGUS });
        }),
      { code: 'TM_ERR_STORE' },
    );
    assert.equal(memory.size(), 0);
  });
});
