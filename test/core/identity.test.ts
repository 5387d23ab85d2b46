import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toHex } from '../../src/core/encoding.js';
import { nodeIdMatchesKey, nodeIdOf } from '../../src/core/signing.js';
import { createSigner, keyPairFromSeed, sodiumCrypto } from '../../src/crypto/sodium.js';

// RFC 8032 §7.1, tests 1–3: secret key (seed), public key, message, signature.
const VECTORS = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describe('Ed25519 identity (RFC 8032 test vectors)', () => {
  for (const [index, vector] of VECTORS.entries()) {
    test(`vector ${index + 1}: key derivation, signing and verification`, () => {
      const keyPair = keyPairFromSeed(Buffer.from(vector.seed, 'hex'));
      assert.equal(toHex(keyPair.publicKey), vector.publicKey);
      const message = Buffer.from(vector.message, 'hex');
      const signature = sodiumCrypto.sign(message, keyPair.secretKey);
      assert.equal(toHex(signature), vector.signature);
      assert.equal(sodiumCrypto.verify(signature, message, keyPair.publicKey), true);
      const flipped = Buffer.from(signature);
      flipped[0]! ^= 1;
      assert.equal(sodiumCrypto.verify(flipped, message, keyPair.publicKey), false);
    });
  }

  test('nodeId is the lowercase hex SHA-256 of the raw public key', () => {
    const keyPair = keyPairFromSeed(Buffer.from(VECTORS[0]!.seed, 'hex'));
    const expected = toHex(sodiumCrypto.sha256(keyPair.publicKey));
    assert.match(expected, /^[0-9a-f]{64}$/);
    assert.equal(nodeIdOf(sodiumCrypto, keyPair.publicKey), expected);
    const signer = createSigner(keyPair);
    assert.equal(signer.nodeId, expected);
    assert.equal(nodeIdMatchesKey(sodiumCrypto, expected, signer.publicKey), true);
    assert.equal(
      nodeIdMatchesKey(sodiumCrypto, `${expected.slice(0, 63)}0`, signer.publicKey),
      expected.endsWith('0'),
    );
  });

  test('verify never throws on malformed keys or signatures', () => {
    assert.equal(sodiumCrypto.verify(new Uint8Array(3), new Uint8Array(1), new Uint8Array(32)), false);
    assert.equal(sodiumCrypto.verify(new Uint8Array(64), new Uint8Array(1), new Uint8Array(5)), false);
    assert.equal(sodiumCrypto.verify(new Uint8Array(64), new Uint8Array(1), new Uint8Array(32)), false);
  });
});
