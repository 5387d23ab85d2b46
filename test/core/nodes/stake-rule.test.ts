// The stake rule (docs/PROTOCOL.md §15.2) pinned on engines: stake comes from the network file only, moves along
// committed rotations, falls to zero on a committed BLACKLIST from its date, and participation earns nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64urlToHex } from '../../../src/core/encoding.js';
import { MemoryLedger } from '../../../src/core/memory/memory-ledger.js';
import type { Commit, LedgerEntry } from '../../../src/core/messages/schemas.js';
import { markVerified } from '../../../src/core/verified.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { EngineMesh, type TestEngine } from '../../support/engines.js';
import { EntryMaker } from '../../support/entries.js';
import { testSigner } from '../../support/fixtures.js';

const ALL_TYPES: LedgerEntry['type'][] = [
  'COMMIT',
  'REVOCATION',
  'KEY_ROTATION',
  'SECURITY_ALERT',
  'BLACKLIST',
];

/** Every identity's stake as `node` sees it, by the genesis ids of the test keys 0–9. */
function table(node: TestEngine, at?: number): number[] {
  const { registry } = node.engine;
  return Array.from({ length: 10 }, (_, i) => registry.stakeOf(testSigner(i).nodeId, at));
}

describe('the stake rule', () => {
  it('earns nothing by participating: a non-member that votes on every proposal never gains weight', () => {
    // Key 5 runs a validating engine but is in no network file.
    const mesh = new EngineMesh({ stakes: [10, 10, 10] });
    const outsider = mesh.add(testSigner(5));
    mesh.connectAll();
    const before = table(mesh.nodes[0]!);
    for (let i = 0; i < 20; i++) {
      mesh.nodes[i % 3]!.engine.propose({
        agentId: `agent-${i}`,
        principalId: 'p',
        trustScore: 500,
        event: 'SCORE_UPDATE',
      });
      mesh.deliver();
      mesh.clock.advance(1_000);
    }
    for (const node of mesh.nodes) {
      assert.equal(node.ledger.entriesOfType(['COMMIT']).length, 20);
      assert.deepEqual(table(node), before, 'twenty commits later, the same stakes');
      assert.equal(node.engine.registry.stakeOf(outsider.engine.nodeId), 0);
      assert.equal(node.engine.registry.totalActiveStake(), 30);
    }
    const packed = mesh.nodes[0]!.ledger.entriesOfType(['COMMIT']) as Commit[];
    assert.ok(outsider.engine.stats.votesCast >= 20, 'the outsider did vote');
    for (const commit of packed)
      assert.ok(
        commit.votes.every((vote) => base64urlToHex(vote.o, 32) !== outsider.engine.nodeId),
        'a weightless vote is never packed into a commit',
      );
  });

  it('moves stake only through committed rotations and blacklistings, the same from the ledger alone', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10, 10], engines: [0, 1, 2] });
    const [a] = mesh.nodes as [TestEngine];
    const make = new EntryMaker({ network: mesh.network, clock: mesh.clock });
    const before = mesh.clock.now();
    mesh.clock.advance(1_000);
    // Key 1 rotates to key 7 (stake follows); key 3 signs two different updates under one id and is blacklisted.
    assert.equal(a.engine.handle(testSigner(2).nodeId, make.keyRotation(1, 7)).kind, 'accept');
    const offender = testSigner(3).nodeId;
    a.output.connect(offender);
    for (const trustScore of [100, 900])
      a.engine.handle(
        offender,
        make.update({ agentId: 'x', principalId: 'p' }, { origin: 3, updateId: 'twice', trustScore }),
      );
    assert.equal(a.engine.registry.isBlacklisted(offender), true);
    assert.deepEqual(table(a), [10, 10, 10, 0, 0, 0, 0, 10, 0, 0]);
    assert.equal(a.engine.registry.totalActiveStake(), 30);
    assert.deepEqual(
      table(a, before),
      [10, 10, 10, 10, 0, 0, 0, 10, 0, 0],
      'before the BLACKLIST, key 3 weighed',
    );
    // A node that starts from a copy of the ledger derives the same table: nothing else feeds it.
    const ledgerCopy = new MemoryLedger(sodiumCrypto);
    for (const entry of a.ledger.entriesOfType(ALL_TYPES)) ledgerCopy.append(markVerified(entry));
    assert.deepEqual(
      ledgerCopy
        .entriesOfType(['KEY_ROTATION', 'BLACKLIST'])
        .map((entry) => entry.type)
        .sort(),
      ['BLACKLIST', 'KEY_ROTATION'],
    );
    const restarted = mesh.add(testSigner(4), 'full', ledgerCopy);
    assert.deepEqual(table(restarted), table(a));
    assert.deepEqual(table(restarted, before), table(a, before));
  });
});
