import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../../src/core/encoding.js';
import { emptyBlockRoot } from '../../../src/core/sync/blocks.js';
import { SummaryDiff } from '../../../src/core/sync/diff.js';
import { MerkleSummary, nodeExists, SUMMARY_FAN_OUT, summaryLevels } from '../../../src/core/sync/summary.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';

const rootOf = (label: string) => toHex(sodiumCrypto.sha256(Buffer.from(label)));

/** Block roots for `count` heights, every `stride`-th one non-empty. */
function roots(count: number, stride: number): Map<number, string> {
  const map = new Map<number, string>();
  for (let h = 0; h < count; h += stride) map.set(h, rootOf(`block-${h}`));
  return map;
}

/** Runs a full descent of `mine` against `theirs` as a peer would answer it. */
function descend(mine: MerkleSummary, theirs: MerkleSummary, max = 900) {
  const diff = new SummaryDiff(mine, theirs.root());
  for (let guard = 0; !diff.done && guard < 100; guard++) {
    const query = diff.nextQuery(max)!;
    const answer = query.indexes.map((index) => theirs.nodeRoot({ level: query.level, index })!);
    diff.receive(query, answer);
  }
  assert.ok(diff.done);
  return diff;
}

describe('Merkle summary over block roots', () => {
  test('levels and node bounds', () => {
    assert.equal(summaryLevels(-1), 0);
    assert.equal(summaryLevels(0), 0);
    assert.equal(summaryLevels(15), 1);
    assert.equal(summaryLevels(16), 2);
    assert.equal(summaryLevels(9_999), 4);
    assert.ok(nodeExists({ level: 1, index: 0 }, 15));
    assert.ok(!nodeExists({ level: 1, index: 1 }, 15));
    assert.ok(!nodeExists({ level: 2, index: 0 }, 15), 'above the root');
    assert.ok(!nodeExists({ level: 0, index: 16 }, 15));
    assert.ok(!nodeExists({ level: 0, index: 0 }, -1));
  });

  test('an empty summary and an all-empty range have fixed roots; one block changes them', () => {
    const empty = emptyBlockRoot(sodiumCrypto);
    assert.equal(new MerkleSummary(sodiumCrypto, new Map(), -1).root(), empty);
    assert.equal(new MerkleSummary(sodiumCrypto, new Map(), 0).root(), empty);
    const blank = new MerkleSummary(sodiumCrypto, new Map(), 1000);
    // An explicit empty block root is the same as an absent height.
    const explicit = new MerkleSummary(sodiumCrypto, new Map([[7, empty]]), 1000);
    assert.equal(explicit.root(), blank.root());
    const one = new MerkleSummary(sodiumCrypto, new Map([[999, rootOf('x')]]), 1000);
    assert.notEqual(one.root(), blank.root());
    // The root depends on `top`: the tree shape is part of what is compared.
    assert.notEqual(new MerkleSummary(sodiumCrypto, new Map(), 1001).root(), blank.root());
    // A block beyond `top` is not part of the summary.
    assert.equal(new MerkleSummary(sodiumCrypto, new Map([[1001, rootOf('y')]]), 1000).root(), blank.root());
  });

  test('equal summaries need no round trip', () => {
    const a = new MerkleSummary(sodiumCrypto, roots(10_000, 3), 9_999);
    const b = new MerkleSummary(sodiumCrypto, roots(10_000, 3), 9_999);
    const diff = descend(a, b);
    assert.equal(diff.roundTrips, 0);
    assert.equal(diff.differing.size, 0);
  });

  test('descent on 10,000 heights finds exactly the differing heights in log16(n) round trips', () => {
    const top = 9_999;
    const mineRoots = roots(10_000, 2);
    const theirRoots = new Map(mineRoots);
    const expected = new Map<number, string>();
    // Changed, missing here, missing there, and neighbours in one range.
    for (const h of [0, 17, 4_000, 4_001, 9_999]) {
      theirRoots.set(h, rootOf(`theirs-${h}`));
      expected.set(h, rootOf(`theirs-${h}`));
    }
    theirRoots.set(7_777, rootOf('only-theirs'));
    expected.set(7_777, rootOf('only-theirs'));
    theirRoots.delete(5_000);
    expected.set(5_000, emptyBlockRoot(sodiumCrypto));
    const mine = new MerkleSummary(sodiumCrypto, mineRoots, top);
    const theirs = new MerkleSummary(sodiumCrypto, theirRoots, top);
    const diff = descend(mine, theirs);
    assert.deepEqual(
      [...diff.differing].sort((a, b) => a[0] - b[0]),
      [...expected].sort((a, b) => a[0] - b[0]),
    );
    const bound = Math.ceil(Math.log(top + 1) / Math.log(SUMMARY_FAN_OUT));
    assert.ok(diff.roundTrips <= bound, `${diff.roundTrips} round trips > ${bound}`);
  });

  test('answers cut short to fit a frame are asked again, and still find every difference', () => {
    const mine = new MerkleSummary(sodiumCrypto, roots(5_000, 1), 4_999);
    const changed = roots(5_000, 1);
    for (let h = 100; h < 5_000; h += 250) changed.set(h, rootOf(`x-${h}`));
    const theirs = new MerkleSummary(sodiumCrypto, changed, 4_999);
    const diff = new SummaryDiff(mine, theirs.root());
    while (!diff.done) {
      const query = diff.nextQuery(40)!;
      assert.ok(query.indexes.length <= 40);
      // The peer answers only the first 7 of each query.
      const answer = query.indexes
        .slice(0, 7)
        .map((index) => theirs.nodeRoot({ level: query.level, index })!);
      diff.receive(query, answer);
    }
    assert.deepEqual(
      [...diff.differing.keys()].sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => 100 + 250 * i),
    );
  });

  test('a summary that borrows the hashed nodes of an earlier, lower one has the same roots as one built afresh', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat(3_000), { maxLength: 300 }),
        fc.nat(3_000),
        fc.nat(3_000),
        (heights, a, b) => {
          const [lower, upper] = a <= b ? [a, b] : [b, a];
          const blockRoots = new Map(heights.map((h) => [h, rootOf(`block-${h}`)] as const));
          const earlier = new MerkleSummary(sodiumCrypto, blockRoots, lower);
          earlier.root();
          const borrowed = new MerkleSummary(sodiumCrypto, blockRoots, upper, earlier);
          const fresh = new MerkleSummary(sodiumCrypto, blockRoots, upper);
          assert.equal(borrowed.root(), fresh.root());
          for (let level = 0; level <= fresh.levels; level++) {
            for (let index = 0; index * SUMMARY_FAN_OUT ** level <= upper; index++) {
              assert.equal(
                borrowed.nodeRoot({ level, index }),
                fresh.nodeRoot({ level, index }),
                `${level}:${index}`,
              );
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
