// MessageVerifier's cache on its own: a message judged once is not checked again while it is remembered, and the
// cache forgets the oldest generation whole when it is full instead of growing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageVerifier } from '../../src/core/verifier.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { EntryMaker } from '../support/entries.js';

test('MessageVerifier answers recent messages from its cache and checks forgotten ones again', () => {
  const make = new EntryMaker();
  // Capacity 4: two generations of two.
  const verifier = new MessageVerifier(sodiumCrypto, make.networkId, 4);
  const messages = Array.from({ length: 6 }, (_, i) =>
    make.revocation({ agentId: `a${i}`, principalId: 'p' }),
  );
  for (const message of messages) assert.equal(verifier.verify(message).kind, 'accept');
  assert.deepEqual(verifier.stats, { verified: 6, cached: 0, failed: 0 });
  // Held: m2 and m3 in the older generation, m4 and m5 in the newer; m0 and m1 went when m4 started a generation.
  for (const message of messages.slice(2)) assert.equal(verifier.verify(message).kind, 'accept');
  assert.deepEqual(verifier.stats, { verified: 6, cached: 4, failed: 0 }, 'the last four are remembered');
  assert.equal(verifier.verify(messages[0]!).kind, 'accept');
  assert.deepEqual(verifier.stats, { verified: 7, cached: 4, failed: 0 }, 'the oldest was forgotten');
});
