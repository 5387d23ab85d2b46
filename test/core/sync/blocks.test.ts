import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { LedgerEntry } from '../../../src/core/messages/schemas.js';
import {
  blockHeightOf,
  blockRoots,
  blockRootsOfKnown,
  canonicalBlock,
  emptyBlockRoot,
  heightAt,
  latestHeight,
  leafBytes,
  maxPlausibleHeight,
  merkleRoot,
} from '../../../src/core/sync/blocks.js';
import { isoTimestamp } from '../../../src/core/time.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { EntryMaker } from '../../support/entries.js';
import { ManualClock, testNetwork } from '../../support/fixtures.js';

const network = testNetwork([10, 10, 10]);
const genesis = network.genesisTime;
const epoch = network.epochMs;

/** A mixed pool of real signed entries, all inside one epoch, some sharing a timestamp. */
function pool(): LedgerEntry[] {
  const clock = new ManualClock(genesis + 5 * epoch + 1_000);
  const maker = new EntryMaker({ network, clock });
  const entries: LedgerEntry[] = [];
  for (let i = 0; i < 6; i++) {
    entries.push(maker.commit({ agentId: `agent-${i % 3}`, principalId: 'p' }, { origin: i % 3 }));
    if (i % 2 === 0) clock.advance(7);
  }
  const sameInstant = isoTimestamp(clock.now());
  entries.push(maker.revocation({ agentId: 'agent-0', principalId: 'p' }, { timestamp: sameInstant }));
  entries.push(
    maker.revocation({ agentId: 'agent-1', principalId: 'p' }, { timestamp: sameInstant, origin: 1 }),
  );
  entries.push(maker.alert(2));
  entries.push(maker.blacklist(0, 2));
  return entries;
}

const entries = pool();

describe('sync blocks', () => {
  test('heights are epochs from genesis; entries before genesis go to block 0', () => {
    assert.equal(heightAt(network, genesis), 0);
    assert.equal(heightAt(network, genesis + epoch - 1), 0);
    assert.equal(heightAt(network, genesis + epoch), 1);
    assert.equal(heightAt(network, genesis - 10 * epoch), 0);
    for (const entry of entries) assert.equal(blockHeightOf(network, entry), 5);
    // A commit is placed by its update's timestamp, not the commit's own.
    const maker = new EntryMaker({ network, clock: new ManualClock(genesis + 3 * epoch - 5) });
    const update = maker.update({ agentId: 'a', principalId: 'p' });
    maker.clock.advance(10);
    const commit = maker.commit({ agentId: 'a', principalId: 'p' }, {}, update);
    assert.equal(blockHeightOf(network, commit), 2);
  });

  test('the latest height is the newest epoch closed for longer than the grace period', () => {
    const grace = 120_000;
    assert.equal(latestHeight(network, genesis, grace), -1);
    assert.equal(latestHeight(network, genesis + epoch + grace - 1, grace), -1);
    assert.equal(latestHeight(network, genesis + epoch + grace, grace), 0);
    assert.equal(latestHeight(network, genesis + 10 * epoch + grace + 5, grace), 9);
    assert.equal(maxPlausibleHeight(network, genesis + 10 * epoch + grace, grace, 60_000), 10);
  });

  test('the same entries in any order, with duplicates, give the same bytes and roots', () => {
    const reference = blockRoots(sodiumCrypto, entries);
    const referenceBytes = canonicalBlock(entries).map((entry) => Buffer.from(leafBytes(entry)).toString());
    assert.equal(reference.criticalCount, 4);
    assert.equal(reference.commitCount, 6);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }),
        fc.array(fc.nat(entries.length - 1), { maxLength: 5 }),
        (shuffled, repeats) => {
          const input = [...shuffled, ...repeats.map((i) => entries[i]!)];
          assert.deepEqual(blockRoots(sodiumCrypto, input), reference);
          const bytes = canonicalBlock(input).map((entry) => Buffer.from(leafBytes(entry)).toString());
          assert.deepEqual(bytes, referenceBytes);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('removing, adding or changing one entry changes the root', () => {
    const { root } = blockRoots(sodiumCrypto, entries);
    const roots = new Set<string>([root]);
    for (let i = 0; i < entries.length; i++) {
      const without = entries.filter((_, j) => j !== i);
      const r = blockRoots(sodiumCrypto, without).root;
      assert.ok(!roots.has(r), `removing entry ${i} kept a known root`);
      roots.add(r);
    }
    const maker = new EntryMaker({ network, clock: new ManualClock(genesis + 5 * epoch + 30_000) });
    const extra = maker.revocation({ agentId: 'late', principalId: 'p' });
    assert.notEqual(blockRoots(sodiumCrypto, [...entries, extra]).root, root);
    const changed = structuredClone(entries[0]!) as LedgerEntry & { signature: string };
    changed.signature = `${changed.signature.startsWith('A') ? 'B' : 'A'}${changed.signature.slice(1)}`;
    assert.notEqual(blockRoots(sodiumCrypto, [changed, ...entries.slice(1)]).root, root);
  });

  test('roots from known part roots are the roots of the entries; a part left out is empty', () => {
    const maker = new EntryMaker({ network, clock: new ManualClock(genesis + 5 * epoch) });
    const entries = [
      maker.commit({ agentId: 'x', principalId: 'p' }),
      maker.revocation({ agentId: 'y', principalId: 'p' }),
      maker.commit({ agentId: 'z', principalId: 'p' }),
    ];
    const roots = blockRoots(sodiumCrypto, entries);
    const critical = { root: roots.criticalRoot, count: roots.criticalCount };
    const commits = { root: roots.commitRoot, count: roots.commitCount };
    assert.deepEqual(blockRootsOfKnown(sodiumCrypto, { critical, commits }), roots);
    assert.deepEqual(
      blockRootsOfKnown(sodiumCrypto, { commits }),
      blockRoots(sodiumCrypto, [entries[0]!, entries[2]!]),
    );
    assert.deepEqual(blockRootsOfKnown(sodiumCrypto, {}), blockRoots(sodiumCrypto, []));
  });

  test('an equivocated key keeps the entry the ledger keeps, whatever the order', () => {
    const maker = new EntryMaker({ network, clock: new ManualClock(genesis + 5 * epoch) });
    const first = maker.commit({ agentId: 'x', principalId: 'p' }, { commitId: 'c-1' });
    const second = maker.recommit(first, { commitId: 'c-2' });
    assert.deepEqual(canonicalBlock([second, first]), [first]);
    assert.deepEqual(canonicalBlock([first, second]), [first]);
  });

  test('empty block, one leaf and the odd-node rule', () => {
    const empty = blockRoots(sodiumCrypto, []);
    assert.equal(empty.root, emptyBlockRoot(sodiumCrypto));
    assert.equal(empty.criticalCount + empty.commitCount, 0);
    const leaf = (n: number) => sodiumCrypto.sha256(Uint8Array.of(0x00, n));
    assert.deepEqual(merkleRoot(sodiumCrypto, [leaf(1)]), leaf(1));
    const pair = sodiumCrypto.sha256(Buffer.concat([Uint8Array.of(0x01), leaf(1), leaf(2)]));
    const three = sodiumCrypto.sha256(Buffer.concat([Uint8Array.of(0x01), pair, leaf(3)]));
    assert.deepEqual(Buffer.from(merkleRoot(sodiumCrypto, [leaf(1), leaf(2), leaf(3)])), Buffer.from(three));
    // The last leaf is never paired with itself: [a, b, c] and [a, b, c, c] differ.
    assert.notDeepEqual(
      Buffer.from(merkleRoot(sodiumCrypto, [leaf(1), leaf(2), leaf(3), leaf(3)])),
      Buffer.from(three),
    );
  });
});
