// What compact votes save: a COMMIT's JSON size with whole VOTE messages (the earlier format) against compact
// votes, at 11 and 26 accepting validators. Both are real signed messages of the same update and voters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compactVotes } from '../../../src/core/consensus/votes.js';
import type { Vote } from '../../../src/core/messages/schemas.js';
import { signMessage, type UnsignedMessage, unsignedView } from '../../../src/core/signing.js';
import { EntryMaker } from '../../support/entries.js';
import { CountingEntropy, testNetwork } from '../../support/fixtures.js';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

function sizes(voters: number) {
  const make = new EntryMaker({
    network: testNetwork(Array.from({ length: voters }, () => 10)),
    // Ids as long as a node's (a UUID, 36 characters): they appear in both formats, once or twice per vote.
    entropy: new CountingEntropy('00000000-0000-4000-8000-000'),
  });
  const update = make.update({ agentId: 'cursor-agent', principalId: 'user-123' });
  const votes = Array.from({ length: voters }, (_, index) => make.vote(update, make.signer(index)));
  const compact = make.commit(update.payload, {}, update);
  // The earlier format: the same commit carrying each VOTE whole, signed as such by its origin.
  const whole = { ...unsignedView(compact), votes } as unknown as UnsignedMessage<{ votes: Vote[] } & never>;
  const old = signMessage(make.signer(0), make.networkId, whole as never);
  return { old: bytes(old), compact: bytes(compact), votes: compactVotes(votes, update).length };
}

describe('COMMIT size', () => {
  // Measured: 7,279 → 2,527 B at 11 votes, 16,054 → 4,822 B (30.0%) at 26. Each compact vote is ~152 B: the
  // voter id in base64url, its time as an offset from the update's, its signature; the inline update (~0.9 kB) stays.
  it('with compact votes is under a third of the whole-vote COMMIT: under 36% at 11 votes, 31% at 26', (t) => {
    for (const voters of [11, 26]) {
      const { old, compact, votes } = sizes(voters);
      assert.equal(votes, voters);
      t.diagnostic(
        `${voters} votes: whole votes ${old} B, compact ${compact} B (${((100 * compact) / old).toFixed(1)}%)`,
      );
      assert.ok(compact < 0.36 * old, `${compact} B is not under 36% of ${old} B`);
      if (voters === 26) assert.ok(compact < 0.31 * old, `${compact} B is not under 31% of ${old} B`);
    }
  });
});
