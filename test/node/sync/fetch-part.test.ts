// Synced parts checked ahead on the node's SignatureVerifier: a joiner with a pool (or any batch verifier)
// converges, its imports hit the checks settled ahead, and a failing verifier leaves the checks to the import.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { LedgerEntry } from '../../../src/core/messages/schemas.js';
import { InlineSignatureVerifier, type SignatureVerifier } from '../../../src/core/signature-verifier.js';
import type { SignatureCheck } from '../../../src/core/signing.js';
import type { Verified } from '../../../src/core/verified.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { internals } from '../../../src/node/internals.js';
import type { TrustMeshNode } from '../../../src/node/node.js';
import type { NodeModules } from '../../../src/node/types.js';
import { EntryMaker } from '../../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../../support/fixtures.js';
import { TestMesh, waitFor } from '../../support/mesh.js';

const COMMITS = 200;
const REVOCATIONS = 100;
const ENTRIES = COMMITS + REVOCATIONS;
const sync = { blockGraceMs: 0, settleMs: 100, aloneGraceMs: 10_000 };

/** Counts the checks it is given; `fail` makes every batch reject, as a dead pool would. */
class CountingVerifier implements SignatureVerifier {
  readonly threads = 1;
  checks = 0;
  private readonly inline = new InlineSignatureVerifier(sodiumCrypto);
  constructor(private readonly fail = false) {}
  verifyBatch(checks: readonly SignatureCheck[]): Promise<boolean[]> {
    this.checks += checks.length;
    return this.fail ? Promise.reject(new Error('verifier down')) : this.inline.verifyBatch(checks);
  }
  canAcceptWork(): boolean {
    return true;
  }
  async whenAvailable(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('synced parts verified ahead', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  /** Three full nodes holding the same 200 commits (3 votes each) and 100 revocations. */
  async function history(): Promise<{ running: TrustMeshNode[]; expected: string }> {
    mesh = new TestMesh(testNetwork([10, 10, 10, 10, 10], { epochMs: 1_000 }));
    const running: TrustMeshNode[] = [];
    for (let i = 0; i < 3; i++)
      running.push(await mesh.start(testKeyPair(i), { sync, peers: running.map((node) => node.endpoint) }));
    const maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now() - 400_000) });
    const entries: Verified<LedgerEntry>[] = [];
    for (let i = 0; i < ENTRIES; i++) {
      const subject = { agentId: `agent-${i}`, principalId: 'p' };
      const entry = i < COMMITS ? maker.commit(subject, { voters: [0, 1, 2] }) : maker.revocation(subject);
      entries.push(entry as Verified<LedgerEntry>);
      maker.clock.advance(1_000);
    }
    for (const node of running) {
      const { store } = internals(node);
      store.transaction(() => {
        for (const entry of entries) store.append(entry);
      });
    }
    return { running, expected: running[0]!.stateHash() };
  }

  async function join(
    running: TrustMeshNode[],
    options: { verifierThreads?: number },
    modules: NodeModules = {},
  ) {
    const joiner = await mesh.start(
      testKeyPair(3),
      { sync, peers: running.map((node) => node.endpoint), ...options },
      modules,
    );
    await waitFor(() => joiner.syncStatus().ready, 20_000, 'joined');
    return joiner;
  }

  test('with verifierThreads: 1 the joiner converges and every import finds its checks done on the pool', async () => {
    const { running, expected } = await history();
    const joiner = await join(running, { verifierThreads: 1 });
    assert.equal(joiner.stateHash(), expected);
    assert.equal(joiner.syncStatus().entriesApplied, ENTRIES);
    const { signatures } = joiner.stats();
    // Each commit's import checks the commit, its update and 3 votes; each revocation itself. All were settled
    // from the pool's results first, so every one of those checks was a cache hit.
    assert.ok(signatures.cached >= COMMITS * 5 + REVOCATIONS, `${signatures.cached} cached hits`);
    assert.ok(signatures.verified >= COMMITS * 5 + REVOCATIONS, `${signatures.verified} checks`);
  });

  test('the checks go through the batch verifier; a failing one leaves them to the import', async () => {
    const { running, expected } = await history();
    const counting = new CountingVerifier();
    const joiner = await join(running, {}, { verifier: counting });
    assert.equal(joiner.stateHash(), expected);
    assert.ok(counting.checks >= COMMITS * 5 + REVOCATIONS, `${counting.checks} checks on the verifier`);
    await joiner.stop();

    const failing = new CountingVerifier(true);
    const second = await mesh.start(
      testKeyPair(4),
      { sync, peers: running.map((node) => node.endpoint) },
      { verifier: failing },
    );
    await waitFor(() => second.syncStatus().ready, 20_000, 'joined despite the verifier');
    assert.equal(second.stateHash(), expected);
    assert.ok(failing.checks > 0);
    assert.equal(second.stats().signatures.cached, 0);
  });
});
