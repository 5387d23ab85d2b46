import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { InlineSignatureVerifier } from '../../src/core/signature-verifier.js';
import type { SignatureCheck } from '../../src/core/signing.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { VerifierPool } from '../../src/crypto/verifier-pool.js';
import { internals } from '../../src/node/internals.js';
import { EntryMaker } from '../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

function mixedChecks(n: number): SignatureCheck[] {
  const a = testKeyPair(1);
  const b = testKeyPair(2);
  return Array.from({ length: n }, (_, i) => {
    const message = Buffer.from(`message ${i} ${'x'.repeat(i % 97)}`);
    const signature = sodiumCrypto.sign(message, a.secretKey);
    switch (i % 4) {
      case 0:
        return { signature, message, publicKey: a.publicKey };
      case 1:
        return { signature, message, publicKey: b.publicKey }; // someone else's key
      case 2:
        return { signature, message: Buffer.from(`other ${i}`), publicKey: a.publicKey }; // other bytes
      default:
        return { signature: signature.subarray(0, 10), message, publicKey: a.publicKey }; // malformed
    }
  });
}

describe('VerifierPool', () => {
  test('answers every check of a batch exactly as the inline verifier does, in order', async () => {
    const pool = new VerifierPool(2);
    try {
      const checks = mixedChecks(203);
      const [pooled, inline] = await Promise.all([
        pool.verifyBatch(checks),
        new InlineSignatureVerifier(sodiumCrypto).verifyBatch(checks),
      ]);
      assert.deepEqual(pooled, inline);
      assert.equal(pooled.filter(Boolean).length, 51, 'only the checks with the right key and bytes verify');
      // Many batches at once, spread over both workers, still come back to their own callers.
      const many = await Promise.all(
        Array.from({ length: 20 }, (_, i) => pool.verifyBatch(mixedChecks(i + 1))),
      );
      for (const [i, results] of many.entries()) {
        assert.deepEqual(
          results,
          mixedChecks(i + 1).map((_, j) => j % 4 === 0),
        );
      }
    } finally {
      await pool.close();
    }
  });

  test('a closed pool refuses work instead of hanging', async () => {
    const pool = new VerifierPool(1);
    await pool.close();
    await assert.rejects(pool.verifyBatch(mixedChecks(3)), { code: 'TM_ERR_NOT_RUNNING' });
    assert.equal(pool.canAcceptWork(), true, 'takes work, to refuse it, rather than holding callers back');
    await pool.whenAvailable();
  });

  test('a worker that dies fails its batches, wakes those waiting for room, and is given nothing more', async () => {
    const pool = new VerifierPool(1);
    try {
      // About half a second of checks queued: the worker is stopped long before it could get through them.
      const checks = mixedChecks(2_000);
      const batches = Array.from({ length: 6 }, () => pool.verifyBatch(checks));
      for (const batch of batches) batch.catch(() => undefined);
      assert.equal(pool.canAcceptWork(), false, 'full');
      const room = pool.whenAvailable();
      const [worker] = Reflect.get(pool, 'workers') as Array<{ worker: { terminate(): Promise<number> } }>;
      await worker!.worker.terminate();
      await room;
      const settled = await Promise.allSettled(batches);
      assert.ok(
        settled.every((result) => result.status === 'fulfilled' || result.reason.code === 'TM_ERR_INTERNAL'),
        'each batch answered or failed, none left hanging',
      );
      assert.ok(
        settled.some((result) => result.status === 'rejected'),
        'those in flight failed',
      );
      assert.equal(pool.canAcceptWork(), true);
      await assert.rejects(pool.verifyBatch(mixedChecks(3)), { code: 'TM_ERR_INTERNAL' });
    } finally {
      await pool.close();
    }
  });
});

describe('nodes checking signatures ahead of the turn on a worker pool', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('commit, revoke and refuse a forged signature exactly as inline nodes do', async () => {
    mesh = new TestMesh(testNetwork([100, 100, 100]));
    const [a, b, c] = await Promise.all(
      [0, 1, 2].map((i) => mesh.start(testKeyPair(i), { verifierThreads: 1 })),
    );
    await mesh.link(a!, b!);
    await mesh.link(b!, c!);
    const record = a!.submit({
      agentId: 'agent',
      principalId: 'p',
      trustScore: 640,
      event: 'VERIFICATION_SUCCESS',
    });
    assert.equal((await a!.whenSettled(record.id)).state, 'committed');
    await waitFor(() => c!.record('agent', 'p')?.trustScore === 640, 5_000, 'the commit at the far end');
    c!.revoke({ agentId: 'agent', principalId: 'p', reason: 'compromised' });
    await waitFor(() => a!.record('agent', 'p')?.revoked === true, 5_000, 'the revocation at the far end');
    assert.equal(a!.stateHash(), c!.stateHash());
    // The relay's checks went through the pool: verified ahead, so the engine's own checks were cache hits.
    assert.ok(b!.stats().signatures.verified > 0);
    assert.ok(b!.stats().signatures.cached > 0);

    // A forged update from a connected member is refused with the same code as inline, and its sender closed.
    const maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
    const honest = maker.update({ agentId: 'forged', principalId: 'p' }, { origin: 2 });
    const other = maker.update({ agentId: 'other', principalId: 'p' }, { origin: 2 });
    const forged = { ...honest, payload: { ...honest.payload, signature: other.payload.signature } };
    const attacker = await RawPeer.connect(a!.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await attacker.handshake();
    await waitFor(() => a!.isConnectedTo(c!.nodeId), 2_000, 'raw member established');
    attacker.sendJson(forged);
    await attacker.waitForClose();
    assert.equal(attacker.closeReason, 'TM_ERR_SIG_INVALID');
    assert.equal(a!.record('forged', 'p'), null);
    assert.equal(internals(a!).engine.verifier.stats.failed > 0, true);
  });
});
