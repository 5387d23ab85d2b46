import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProposalLog, ProposalRecord } from '../../../src/core/consensus/proposals.js';
import { MeshEngine } from '../../../src/core/engine/engine.js';
import type { EngineOutput } from '../../../src/core/engine/types.js';
import { type Ledger, ledgerKey } from '../../../src/core/ledger.js';
import type { Blacklist, LedgerEntry } from '../../../src/core/messages/schemas.js';
import type { Outcome } from '../../../src/core/outcome.js';
import { signMessage } from '../../../src/core/signing.js';
import { isoTimestamp } from '../../../src/core/time.js';
import type { Verified } from '../../../src/core/verified.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { EntryMaker } from '../../support/entries.js';
import { CountingEntropy, ManualClock, testNetwork, testSigner } from '../../support/fixtures.js';

/** Just enough ledger for the engine's import path: entries by key, nothing derived. */
class TinyLedger implements Ledger {
  readonly entries = new Map<string, LedgerEntry>();
  has(key: string): boolean {
    return this.entries.has(key);
  }
  get(key: string): LedgerEntry | null {
    return this.entries.get(key) ?? null;
  }
  append(entry: Verified<LedgerEntry>): boolean {
    const key = ledgerKey(entry);
    if (this.entries.has(key)) return false;
    this.entries.set(key, entry);
    return true;
  }
  transaction<T>(work: () => T): T {
    return work();
  }
  record() {
    return null;
  }
  openRevocations(): string[] {
    return [];
  }
  recordsOfAgent() {
    return [];
  }
  entriesFor() {
    return { entries: [] };
  }
  entriesOfType(types: readonly LedgerEntry['type'][]): LedgerEntry[] {
    return [...this.entries.values()].filter((entry) => types.includes(entry.type));
  }
  stateHash(): string {
    return '';
  }
  size(): number {
    return this.entries.size;
  }
}

class NoProposals implements ProposalLog {
  saveProposal(_record: ProposalRecord): void {}
  loadProposal(): ProposalRecord | null {
    return null;
  }
}

const silent: EngineOutput = {
  send: () => false,
  broadcast: () => {},
  isConnected: () => false,
  disconnect: () => {},
};

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00.000Z');

/** Stakes 40 / 30 / 30 for test keys 0, 1, 2; key 5 is the successor key 0 rotates to; key 9 the syncing node. */
function setup() {
  const network = testNetwork([40, 30, 30]);
  const clock = new ManualClock(T0);
  const maker = new EntryMaker({ network, clock });
  const ledger = new TinyLedger();
  const engine = new MeshEngine(
    { network, signer: testSigner(9), nodeType: 'full', votes: false, endpoints: [] },
    {
      crypto: sodiumCrypto,
      clock: new ManualClock(T0 + 48 * HOUR),
      entropy: new CountingEntropy('sync'),
      ledger,
      proposals: new NoProposals(),
      output: silent,
    },
  );
  const at = (ms: number) => {
    clock.time = ms;
    return maker;
  };
  return { network, maker, engine, ledger, at };
}

/** A blacklisting of `offender` proven by an out-of-range update it signed. */
function blacklistOf(maker: EntryMaker, accuser: number, offender: number): Blacklist {
  const evidence = maker.update({ agentId: 'e', principalId: 'e' }, { origin: offender, trustScore: 5_000 });
  const signer = testSigner(accuser);
  return signMessage<Blacklist>(signer, maker.networkId, {
    type: 'BLACKLIST',
    version: '1.0',
    id: maker.entropy.messageId(),
    timestamp: isoTimestamp(maker.clock.now()),
    origin: signer.nodeId,
    originKey: signer.publicKey,
    priority: 'CRITICAL',
    offender: testSigner(offender).nodeId,
    reason: 'INVALID_MESSAGE',
    evidence: [evidence as unknown as Record<string, unknown>],
  });
}

const codeOf = (outcome: Outcome<void>) =>
  outcome.kind === 'accept' ? 'accept' : `${outcome.kind}:${outcome.code}`;
const subject = { agentId: 'agent', principalId: 'p' };

describe('history-aware commit verification (imports judge by the stake table at the commit time)', () => {
  test('an old commit still verifies after its proposer and a voter rotated their key', () => {
    const { engine, at } = setup();
    const old = at(T0).commit(subject, { origin: 0, voters: [0, 1] });
    assert.equal(codeOf(engine.importEntry(at(T0 + HOUR).keyRotation(0, 5))), 'accept');
    assert.equal(codeOf(engine.importEntry(old)), 'accept');
    // The successor key votes from its rotation on, with the moved stake.
    const later = at(T0 + 2 * HOUR).commit(subject, { origin: 1, voters: [5, 1] });
    assert.equal(codeOf(engine.importEntry(later)), 'accept');
  });

  test('a commit made with a retired key after its rotation is refused', () => {
    const { engine, at } = setup();
    assert.equal(codeOf(engine.importEntry(at(T0).keyRotation(0, 5))), 'accept');
    // Proposed and committed by the retired key.
    const byRetired = at(T0 + HOUR).commit(subject, { origin: 0, voters: [0, 1, 2] });
    assert.equal(codeOf(engine.importEntry(byRetired)), 'ignore:TM_ERR_KEY_ROTATED');
    // The retired key's vote carries no weight: 30 of 100.
    const votedByRetired = at(T0 + HOUR).commit(subject, { origin: 1, voters: [0, 1] });
    assert.equal(codeOf(engine.importEntry(votedByRetired)), 'ignore:TM_ERR_QUORUM_NOT_REACHED');
  });

  test('a quorum that only holds under a later stake table is refused', () => {
    const { engine, at } = setup();
    // Votes by the successor key dated before the rotation that gives it stake: 30 of 100 then, 70 later.
    const early = at(T0).commit(subject, { origin: 1, voters: [5, 1] });
    assert.equal(codeOf(engine.importEntry(at(T0 + HOUR).keyRotation(0, 5))), 'accept');
    assert.equal(codeOf(engine.importEntry(early)), 'ignore:TM_ERR_QUORUM_NOT_REACHED');
    assert.equal(engine.registry.stakeOf(testSigner(5).nodeId), 40, 'the later table does give key 5 stake');
  });

  test('a later blacklisting neither shrinks the total behind older commits nor voids their votes', () => {
    const { engine, at } = setup();
    const alone = at(T0).commit(subject, { origin: 0, voters: [0] }); // 40 of 100 then, 40 of 70 later
    const withOffender = at(T0).commit({ agentId: 'other', principalId: 'p' }, { origin: 0, voters: [0, 2] });
    assert.equal(codeOf(engine.importEntry(blacklistOf(at(T0 + HOUR), 1, 2))), 'accept');
    assert.equal(engine.registry.totalActiveStake(), 70);
    assert.equal(engine.registry.totalActiveStake(T0), 100);
    assert.equal(codeOf(engine.importEntry(alone)), 'ignore:TM_ERR_QUORUM_NOT_REACHED');
    assert.equal(codeOf(engine.importEntry(withOffender)), 'accept');
    // After the blacklisting, 40 of the remaining 70 is a majority (what live nodes accepted then).
    const after = at(T0 + 2 * HOUR).commit(
      { agentId: 'third', principalId: 'p' },
      { origin: 0, voters: [0] },
    );
    assert.equal(codeOf(engine.importEntry(after)), 'accept');
  });

  test('an old critical event by an origin blacklisted later still imports; a newer one does not', () => {
    const { engine, at } = setup();
    const before = at(T0).revocation(subject, { origin: 2 });
    const after = at(T0 + 2 * HOUR).revocation({ agentId: 'other', principalId: 'p' }, { origin: 2 });
    assert.equal(codeOf(engine.importEntry(blacklistOf(at(T0 + HOUR), 1, 2))), 'accept');
    assert.equal(codeOf(engine.importEntry(before)), 'accept');
    assert.equal(codeOf(engine.importEntry(after)), 'ignore:TM_ERR_BLACKLISTED');
  });
});
