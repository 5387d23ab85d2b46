// Property: any set of committed records and revocations, in any order, with duplicates and any transaction
// boundaries, gives two stores the same state hash and every record the pure reference model derives (DESIGN §4).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ledgerKey } from '../../src/core/ledger.js';
import { recordHash, stateHash } from '../../src/core/state/hash.js';
import { deriveRecord, type RecordEntry, subjectOf } from '../../src/core/state/record.js';
import { isoTimestamp } from '../../src/core/time.js';
import type { Verified } from '../../src/core/verified.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { EntryMaker, type Subject } from '../support/entries.js';

const SUBJECTS: readonly Subject[] = [
  { agentId: 'agent-a', principalId: 'principal-1' },
  { agentId: 'agent-a', principalId: 'principal-2' },
  { agentId: 'agent-b', principalId: 'principal-1' },
];
const EVENTS = ['VERIFICATION_SUCCESS', 'SCORE_UPDATE', 'REINSTATEMENT', 'VERIFICATION_FAILURE'] as const;

/**
 * A fixed pool of signed entries, made once: signing dominates the cost, and a pool small enough to repeat
 * instants makes ties on the timestamp (decided by id), revocations racing reinstatements, and equivocating
 * commits (two commits of one update) common.
 */
function makePool(): Verified<RecordEntry>[] {
  const make = new EntryMaker();
  const base = make.clock.now();
  const pool: Verified<RecordEntry>[] = [];
  for (let i = 0; i < 36; i++) {
    const subject = SUBJECTS[i % SUBJECTS.length]!;
    const at = base + ((i * 7) % 9) * 1000;
    // Both spellings of a whole second, so history keeps each entry's own text for equal instants.
    const timestamp = i % 4 === 0 ? isoTimestamp(at).replace('.000Z', 'Z') : isoTimestamp(at);
    const id = `e${((i * 29) % 97).toString().padStart(2, '0')}`;
    if (i % 5 === 3) {
      pool.push(make.revocation(subject, { timestamp, id }));
      continue;
    }
    const commit = make.commit(subject, {
      timestamp,
      updateId: id,
      commitId: `c-${id}-1`,
      trustScore: (i * 137) % 1001,
      event: EVENTS[i % EVENTS.length],
      voters: [0, 1],
    });
    pool.push(commit);
    if (i % 6 === 1) pool.push(make.recommit(commit, { commitId: `c-${id}-0`, voters: [1, 2] }));
  }
  return pool;
}

const key = (subject: Subject) => `${subject.agentId}\n${subject.principalId}`;

describe('SqliteStore convergence (property)', () => {
  const pool = makePool();
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'trust-mesh-converge-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('same set, any order, duplicates and batching: same state hash and the reference records', () => {
    const index = fc.nat({ max: pool.length - 1 });
    const arrival = fc.record({
      extra: fc.array(index, { maxLength: 10 }),
      chunks: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 12 }),
      hashAt: fc.array(fc.nat({ max: 60 }), { maxLength: 3 }),
    });
    let run = 0;
    fc.assert(
      fc.property(
        fc
          .array(index, { maxLength: 40 })
          .chain((picked) =>
            fc.tuple(
              fc.constant(picked),
              fc.shuffledSubarray(picked, { minLength: picked.length, maxLength: picked.length }),
              arrival,
              arrival,
            ),
          ),
        ([picked, shuffled, first, second]) => {
          run++;
          const stores = [
            SqliteStore.open(join(dir, `a-${run}.db`), { crypto: sodiumCrypto, synchronous: 'normal' }),
            SqliteStore.open(join(dir, `b-${run}.db`), { crypto: sodiumCrypto, synchronous: 'normal' }),
          ] as const;
          try {
            // Duplicates only ever repeat entries of the set itself.
            const repeat = (extra: number[]) => extra.filter((i) => picked.includes(i));
            feed(stores[0], [...picked, ...repeat(first.extra)], first.chunks, first.hashAt);
            feed(stores[1], [...repeat(second.extra), ...shuffled], second.chunks, second.hashAt);

            const chosen = [...new Set(picked)].map((i) => pool[i]!);
            const expected = new Map<string, ReturnType<typeof deriveRecord>>();
            for (const subject of SUBJECTS) {
              const own = chosen.filter((entry) => key(subjectOf(entry)) === key(subject));
              expected.set(key(subject), deriveRecord(own));
            }
            const reference = stateHash(
              sodiumCrypto,
              [...expected.values()].filter((r) => r !== null).map((r) => recordHash(sodiumCrypto, r!)),
            );
            const keys = new Set(chosen.map((entry) => ledgerKey(entry)));
            for (const store of stores) {
              assert.equal(store.stateHash(), reference);
              assert.equal(store.size(), keys.size);
              for (const subject of SUBJECTS) {
                assert.deepEqual(
                  store.record(subject.agentId, subject.principalId),
                  expected.get(key(subject)),
                );
              }
            }
            assert.deepEqual(stores[0].stats(), stores[1].stats());
          } finally {
            for (const store of stores) store.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  /** Appends in transactions of the given sizes (0 = one bare append), asking for the hash now and then. */
  function feed(store: SqliteStore, order: number[], chunks: number[], hashAt: number[]): void {
    let position = 0;
    for (let chunk = 0; position < order.length; chunk++) {
      const size = chunks[chunk % chunks.length]!;
      const slice = order.slice(position, position + Math.max(1, size));
      const append = () => {
        for (const i of slice) store.append(pool[i]!);
      };
      if (size === 0) append();
      else store.transaction(append);
      position += slice.length;
      if (hashAt.some((at) => at >= position - slice.length && at < position)) store.stateHash();
    }
  }
});
