// The signature prepass: work that trickles in one item per event-loop turn (as sockets hand it over) is gathered
// into a batch for a few turns rather than sent one check at a time, a full batch goes at once, order is kept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { SignatureVerifier } from '../../src/core/signature-verifier.js';
import { InlineSignatureVerifier } from '../../src/core/signature-verifier.js';
import type { SignatureCheck, SignedMessage } from '../../src/core/signing.js';
import { MessageVerifier } from '../../src/core/verifier.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { SignaturePrepass } from '../../src/node/signature-prepass.js';
import { EntryMaker } from '../support/entries.js';

/** Checks inline, and records the size of every batch it was handed. */
class RecordingVerifier implements SignatureVerifier {
  readonly threads = 0;
  readonly batches: number[] = [];
  private readonly inline = new InlineSignatureVerifier(sodiumCrypto);

  verifyBatch(checks: readonly SignatureCheck[]): Promise<boolean[]> {
    this.batches.push(checks.length);
    return this.inline.verifyBatch(checks);
  }

  canAcceptWork(): boolean {
    return true;
  }

  whenAvailable(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function setUp() {
  const make = new EntryMaker();
  const messages = new MessageVerifier(sodiumCrypto, make.networkId);
  const verifier = new RecordingVerifier();
  const delivered: SignedMessage[] = [];
  const prepass = new SignaturePrepass<SignedMessage>({
    verifier,
    messages: () => messages,
    signaturesOf: (message) => [message],
    deliver: (message) => delivered.push(message),
  });
  const alerts = (count: number) => Array.from({ length: count }, (_, i) => make.alert(i % 3, `alert ${i}`));
  return { messages, verifier, delivered, prepass, alerts };
}

const settled = async (prepass: SignaturePrepass<SignedMessage>) => {
  for (let turn = 0; turn < 100 && prepass.queued > 0; turn++) await nextTurn();
};

describe('signature prepass', () => {
  it('gathers work arriving one item per turn into one batch, then delivers it in order, verified', async () => {
    const { messages, verifier, delivered, prepass, alerts } = setUp();
    const sent = alerts(5);
    for (const alert of sent) {
      prepass.push(alert);
      await nextTurn();
    }
    await settled(prepass);
    assert.deepEqual(verifier.batches, [5], 'one batch of five checks, not five of one');
    assert.deepEqual(delivered, sent, 'in the order pushed');
    const before = messages.stats.verified;
    for (const alert of sent) assert.equal(messages.verify(alert).kind, 'accept');
    assert.equal(messages.stats.verified, before, 'each check found in the cache');
  });

  it('stops gathering after a few turns: a lone item is not held for long', async () => {
    const { verifier, delivered, prepass, alerts } = setUp();
    prepass.push(alerts(1)[0]!);
    let turns = 0;
    while (delivered.length === 0 && turns < 100) {
      await nextTurn();
      turns++;
    }
    assert.equal(delivered.length, 1);
    assert.ok(turns <= 12, `delivered after ${turns} turns`);
    assert.deepEqual(verifier.batches, [1]);
  });

  it('sends a batch at once when enough work waits, without gathering', async () => {
    const { verifier, delivered, prepass, alerts } = setUp();
    const sent = alerts(100);
    for (const alert of sent) prepass.push(alert);
    await nextTurn();
    await nextTurn();
    assert.deepEqual(verifier.batches, [100], 'cut in the first turn');
    await settled(prepass);
    assert.deepEqual(delivered, sent);
  });
});

describe('signature prepass with a full verifier', () => {
  /** Holds every batch until released, and takes no more while one is held. */
  class FullVerifier implements SignatureVerifier {
    readonly threads = 1;
    readonly batches: number[] = [];
    private readonly inline = new InlineSignatureVerifier(sodiumCrypto);
    private held: Array<() => void> = [];
    private waiting: Array<() => void> = [];

    verifyBatch(checks: readonly SignatureCheck[]): Promise<boolean[]> {
      this.batches.push(checks.length);
      return new Promise((resolve) => this.held.push(() => resolve(this.inline.verifyBatch(checks))));
    }

    canAcceptWork(): boolean {
      return this.held.length === 0;
    }

    whenAvailable(): Promise<void> {
      return this.canAcceptWork() ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
    }

    /** Completes the batches held now; the room that makes wakes whoever waits for it. */
    release(): void {
      const held = this.held;
      const waiting = this.waiting;
      this.held = [];
      this.waiting = [];
      for (const complete of held) complete();
      for (const wake of waiting) wake();
    }

    close(): Promise<void> {
      return Promise.resolve();
    }
  }

  it('passes work that needs no check while the verifier is full, in order, and holds the rest', async () => {
    const make = new EntryMaker();
    const messages = new MessageVerifier(sodiumCrypto, make.networkId);
    const verifier = new FullVerifier();
    type Work = SignedMessage | string;
    const delivered: Work[] = [];
    const prepass = new SignaturePrepass<Work>({
      verifier,
      messages: () => messages,
      signaturesOf: (work) => (typeof work === 'string' ? [] : [work]),
      deliver: (work) => delivered.push(work),
    });
    // Someone else's checks fill the verifier (as a synced part verified ahead of its import does).
    const elsewhere = verifier.verifyBatch([]);
    assert.equal(verifier.canAcceptWork(), false);
    const alert = make.alert(0, 'needs a check');
    const sent: Work[] = ['answer 1', 'answer 2', alert, 'answer 3'];
    for (const work of sent) prepass.push(work);
    for (let turn = 0; turn < 20; turn++) await nextTurn();
    assert.deepEqual(delivered, ['answer 1', 'answer 2'], 'the answers ahead of the check went on');
    assert.equal(prepass.queued, 2, 'the check, and the answer behind it, wait');
    // Room again: the prepass is woken (nothing new is pushed), cuts its own batch, and delivers once it is done.
    verifier.release();
    await elsewhere;
    for (let turn = 0; turn < 20 && verifier.batches.length < 2; turn++) await nextTurn();
    assert.deepEqual(delivered, ['answer 1', 'answer 2'], 'held until its check is done');
    verifier.release();
    for (let turn = 0; turn < 20 && prepass.queued > 0; turn++) await nextTurn();
    assert.deepEqual(delivered, sent, 'everything delivered, in the order pushed');
    assert.deepEqual(verifier.batches, [0, 1], "one batch of the prepass's own, once there was room");
    const before = messages.stats.verified;
    assert.equal(messages.verify(alert).kind, 'accept');
    assert.equal(messages.stats.verified, before, 'its check found in the cache');
  });
});
