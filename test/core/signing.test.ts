import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Revocation, TrustUpdate, Vote } from '../../src/core/messages/schemas.js';
import {
  canonicalJson,
  messageDigest,
  messageSigningBytes,
  signKeyRotation,
  signMessage,
  verifyMessage,
} from '../../src/core/signing.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { testSigner } from '../support/fixtures.js';

const NET = 'test-net';
const alice = testSigner(0);
const bob = testSigner(1);

function update(overrides: Partial<TrustUpdate['payload']> = {}): TrustUpdate {
  return signMessage<TrustUpdate>(alice, NET, {
    type: 'TRUST_UPDATE',
    version: '1.0',
    id: 'u-1',
    timestamp: '2026-06-01T12:00:00.000Z',
    origin: alice.nodeId,
    originKey: alice.publicKey,
    payload: {
      agentId: 'cursor-agent',
      principalId: 'user-123',
      trustScore: 750,
      event: 'VERIFICATION_SUCCESS',
      ...overrides,
    },
  });
}

/** Every leaf path of a JSON value except the signature fields. */
function signedPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'signature' || key === 'newSignature' ? [] : signedPaths(child, [...prefix, key]),
  );
}

function mutate<T>(message: T, path: string[]): T {
  const copy = structuredClone(message) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  const value = node[last];
  node[last] = typeof value === 'number' ? value + 1 : typeof value === 'string' ? `${value}x` : value;
  return copy as T;
}

describe('signing rule', () => {
  test('a signed update verifies; its signature sits in payload.signature as the spec shows', () => {
    const message = update();
    assert.match(message.payload.signature, /^[A-Za-z0-9+/]{86}==$/);
    assert.equal(verifyMessage(sodiumCrypto, NET, message).kind, 'accept');
  });

  test('changing any signed field of an update breaks verification', () => {
    const message = update();
    const paths = signedPaths(message);
    assert.ok(paths.length >= 10, 'covers every envelope and payload field');
    for (const path of paths) {
      const outcome = verifyMessage(sodiumCrypto, NET, mutate(message, path));
      assert.equal(outcome.kind, 'reject', `mutating ${path.join('.')} must fail`);
    }
  });

  test('a signature moved onto another message, or replayed on another network, fails', () => {
    const a = update();
    const b = update({ trustScore: 10 });
    const moved = { ...b, payload: { ...b.payload, signature: a.payload.signature } };
    assert.equal(verifyMessage(sodiumCrypto, NET, moved).kind, 'reject');
    assert.equal(verifyMessage(sodiumCrypto, 'other-net', a).kind, 'reject');
    // The same payload signature copied into a revocation does not verify either (the type is signed).
    const revocation: Revocation = {
      type: 'REVOCATION',
      version: '1.0',
      id: 'u-1',
      timestamp: a.timestamp,
      origin: a.origin,
      originKey: a.originKey,
      priority: 'CRITICAL',
      payload: {
        agentId: 'cursor-agent',
        principalId: 'user-123',
        reason: 'x',
        signature: a.payload.signature,
      },
    };
    assert.equal(verifyMessage(sodiumCrypto, NET, revocation).kind, 'reject');
  });

  test('an origin whose key does not hash to its id is refused before the signature is checked', () => {
    const message = { ...update(), originKey: bob.publicKey };
    const outcome = verifyMessage(sodiumCrypto, NET, message);
    assert.equal(outcome.kind, 'reject');
    assert.equal(outcome.kind === 'reject' && outcome.code, 'TM_ERR_NODE_ID_MISMATCH');
  });

  test('signed bytes do not depend on key order (RFC 8785)', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(Object.keys(update()), { minLength: 7, maxLength: 7 }), (order) => {
        const message = update();
        const reordered = Object.fromEntries(
          order.map((key) => [key, message[key as keyof TrustUpdate]]),
        ) as TrustUpdate;
        assert.deepEqual(messageSigningBytes(NET, reordered), messageSigningBytes(NET, message));
        assert.equal(verifyMessage(sodiumCrypto, NET, reordered).kind, 'accept');
      }),
      { numRuns: 50 },
    );
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 1, c: 0 }] }), '{"a":[2,{"c":0,"d":1}],"b":1}');
  });

  test('signed bytes start with the protocol tag and network id (domain separation)', () => {
    const text = Buffer.from(messageSigningBytes(NET, update())).toString('utf8');
    assert.ok(text.startsWith('TRUST-MESH/1\ntest-net\n{'));
    assert.ok(!text.includes('"signature"'));
  });

  test('a vote binds to the digest of exactly one update', () => {
    const digest = messageDigest(sodiumCrypto, NET, update());
    assert.notEqual(digest, messageDigest(sodiumCrypto, NET, update({ trustScore: 751 })));
    const vote = signMessage<Vote>(bob, NET, {
      type: 'VOTE',
      version: '1.0',
      id: 'v-1',
      timestamp: '2026-06-01T12:00:00.100Z',
      origin: bob.nodeId,
      originKey: bob.publicKey,
      updateId: 'u-1',
      updateOrigin: alice.nodeId,
      updateDigest: digest,
      decision: 'accept',
    });
    assert.equal(verifyMessage(sodiumCrypto, NET, vote).kind, 'accept');
    assert.equal(verifyMessage(sodiumCrypto, NET, { ...vote, decision: 'reject' }).kind, 'reject');
  });

  test('a key rotation needs both the old and the new signature', () => {
    const rotation = signKeyRotation(alice, bob, NET, {
      type: 'KEY_ROTATION',
      version: '1.0',
      id: 'r-1',
      timestamp: '2026-06-01T12:00:00.000Z',
      origin: alice.nodeId,
      originKey: alice.publicKey,
      priority: 'CRITICAL',
      newNodeId: bob.nodeId,
      newPublicKey: bob.publicKey,
    });
    assert.equal(verifyMessage(sodiumCrypto, NET, rotation).kind, 'accept');
    const onlyOld = { ...rotation, newSignature: rotation.signature };
    const outcome = verifyMessage(sodiumCrypto, NET, onlyOld);
    assert.equal(outcome.kind === 'reject' && outcome.code, 'TM_ERR_ROTATION_INVALID');
    const onlyNew = { ...rotation, signature: rotation.newSignature };
    assert.equal(verifyMessage(sodiumCrypto, NET, onlyNew).kind, 'reject');
  });
});
