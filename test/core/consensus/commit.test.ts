// verifyCommit over compact votes: each expands to the VOTE its validator signed, cheap checks and stake run
// before any signature, and the signature prepass hands verifyCommit the very VOTE objects it will check.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CommitContext, verifyCommit } from '../../../src/core/consensus/commit.js';
import { compactVote as compactOf, expandVote, voterOf } from '../../../src/core/consensus/votes.js';
import { base64urlToHex, fromBase64, toBase64 } from '../../../src/core/encoding.js';
import type { Commit, CompactVote, TrustUpdate, Vote } from '../../../src/core/messages/schemas.js';
import type { Network } from '../../../src/core/network.js';
import { NodeRegistry } from '../../../src/core/nodes/registry.js';
import {
  messageDigest,
  type SignedMessage,
  signMessage,
  type UnsignedMessage,
  unsignedView,
} from '../../../src/core/signing.js';
import { parseTimestamp } from '../../../src/core/time.js';
import { MessageVerifier } from '../../../src/core/verifier.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { EngineMesh } from '../../support/engines.js';
import { EntryMaker } from '../../support/entries.js';
import { testNetwork, testSigner } from '../../support/fixtures.js';

const subject = { agentId: 'agent-a', principalId: 'principal-1' };

function contextFor(network: Network, registry = new NodeRegistry(network)): CommitContext {
  return {
    crypto: sodiumCrypto,
    networkId: network.networkId,
    verifier: new MessageVerifier(sodiumCrypto, network.networkId),
    registry,
    clockSkewMs: network.params.clockSkewMs,
    proposalTimeoutMs: network.params.proposalTimeoutMs,
  };
}

/** The commit with other votes (kept in the order given), signed again by its origin so only the votes differ. */
function withVotes(make: EntryMaker, commit: Commit, votes: CompactVote[]): Commit {
  const draft = { ...commit, votes };
  const origin = make.signer(make.network.nodes.findIndex((node) => node.nodeId === commit.origin));
  return signMessage<Commit>(origin, make.networkId, unsignedView(draft) as UnsignedMessage<Commit>);
}

function flipByte(signature: string): string {
  const bytes = fromBase64(signature, 64)!;
  bytes[10]! ^= 0x01;
  return toBase64(bytes);
}

const voterId = (vote: CompactVote) => base64urlToHex(vote.o, 32)!;
const byVoter = (a: CompactVote, b: CompactVote) =>
  voterId(a) < voterId(b) ? -1 : voterId(a) > voterId(b) ? 1 : 0;
const compactVote = (vote: Vote, update: TrustUpdate): CompactVote => compactOf(vote, update)!;

describe('compact votes', () => {
  it('expand to exactly the VOTE each validator signed, the same object each time', () => {
    const make = new EntryMaker();
    const update = make.update(subject);
    const signed = [0, 1, 2].map((index) => make.vote(update, make.signer(index)));
    const sorted = [...signed].sort((a, b) => byVoter(compactVote(a, update), compactVote(b, update)));
    const commit = withVotes(
      make,
      make.commit(subject, {}, update),
      sorted.map((vote) => compactVote(vote, update)),
    );
    const digest = messageDigest(sodiumCrypto, make.networkId, update);
    for (const [index, vote] of sorted.entries()) {
      assert.deepEqual(commit.votes[index], compactVote(vote, update));
      const voter = voterOf(commit.votes[index]!, Date.parse(update.timestamp))!;
      assert.deepEqual(voter, { origin: vote.origin, timestamp: vote.timestamp });
      const expanded = expandVote(commit, index, voter, digest, vote.originKey);
      assert.deepEqual(expanded, vote);
      assert.equal(expandVote(commit, index, voter, digest, vote.originKey), expanded, 'memoised per commit');
    }
    const first = voterOf(commit.votes[0]!, Date.parse(update.timestamp))!;
    assert.notEqual(
      expandVote(commit, 0, first, '0'.repeat(64), sorted[0]!.originKey),
      expandVote(commit, 0, first, digest, sorted[0]!.originKey),
    );
  });

  it('carry a vote in about 150 bytes: voter id in base64url, its time as an offset, no id', () => {
    const make = new EntryMaker();
    const update = make.update(subject);
    const vote = make.vote(update, make.signer(1));
    const compact = compactVote(vote, update);
    assert.deepEqual(Object.keys(compact), ['o', 't', 's']);
    assert.equal(compact.t, Date.parse(vote.timestamp) - Date.parse(update.timestamp));
    const bytes = JSON.stringify(compact).length;
    assert.ok(bytes <= 160, `${bytes} B`);
  });

  it('cannot carry a vote under another id, nor read a voter id in a non-canonical encoding', () => {
    const make = new EntryMaker();
    const update = make.update(subject);
    const vote = make.vote(update, make.signer(1));
    assert.equal(compactOf({ ...vote, id: 'some-other-id' }, update), null);
    const compact = compactVote(vote, update);
    // The last of 43 base64url characters carries 2 bits that must be zero; flipping one names the same bytes.
    const last = compact.o.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const variant = compact.o.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    assert.equal(voterOf({ ...compact, o: variant }, Date.parse(update.timestamp)), null);
    const commit = make.commit(subject, {}, update);
    const votes = commit.votes.map((v, index) =>
      index === 0 ? { ...v, o: v.o.slice(0, -1) + alphabet[alphabet.indexOf(v.o.at(-1)!) ^ 1] } : v,
    );
    const outcome = verifyCommit(withVotes(make, commit, votes), contextFor(make.network));
    assert.equal(outcome.kind === 'reject' && outcome.code, 'TM_ERR_SCHEMA_INVALID');
  });

  it('a good commit verifies: its signature, the update and every vote, each once', () => {
    const make = new EntryMaker();
    const context = contextFor(make.network);
    const commit = make.commit(subject);
    assert.equal(verifyCommit(commit, context).kind, 'accept');
    assert.equal(context.verifier.stats.verified, 2 + 3);
  });

  it('rejects a vote with one flipped signature byte (TM_ERR_SIG_INVALID)', () => {
    const make = new EntryMaker();
    const commit = make.commit(subject);
    const votes = commit.votes.map((vote, index) => (index === 1 ? { ...vote, s: flipByte(vote.s) } : vote));
    const outcome = verifyCommit(withVotes(make, commit, votes), contextFor(make.network));
    assert.equal(outcome.kind, 'reject');
    assert.equal(outcome.kind === 'reject' && outcome.code, 'TM_ERR_SIG_INVALID');
  });

  it('rejects a vote its validator signed for another update: the implied fields no longer match', () => {
    const make = new EntryMaker();
    const update = make.update(subject, { trustScore: 900 });
    const other = make.update(subject, { trustScore: 100 });
    const commit = make.commit(subject, {}, update);
    const elsewhere = compactVote(make.vote(other, make.signer(2)), other);
    const votes = commit.votes.map((vote) => (vote.o === elsewhere.o ? { ...elsewhere, t: vote.t } : vote));
    const outcome = verifyCommit(withVotes(make, commit, votes), contextFor(make.network));
    assert.equal(outcome.kind === 'reject' && outcome.code, 'TM_ERR_SIG_INVALID');
  });

  it('rejects a duplicate voter and votes out of voter order, before any signature', () => {
    const make = new EntryMaker();
    const commit = make.commit(subject);
    const [first, second, third] = commit.votes as [CompactVote, CompactVote, CompactVote];
    for (const [votes, code] of [
      [[first, first, second, third], 'TM_ERR_VOTE_DUPLICATE'],
      [[first, third, second], 'TM_ERR_VOTE_ORDER'],
    ] as const) {
      const context = contextFor(make.network);
      const outcome = verifyCommit(withVotes(make, commit, [...votes]), context);
      assert.equal(outcome.kind === 'reject' && outcome.code, code);
      assert.equal(context.verifier.stats.verified, 0);
    }
  });

  it('skips weightless voters unverified: no stake, or a key the registry does not know', () => {
    // Node 3 holds no stake; test key 7 is no member at all. Both vote with garbage signatures.
    const make = new EntryMaker({ network: testNetwork([10, 10, 10, 0]) });
    const update = make.update(subject);
    const commit = make.commit(subject, { voters: [0, 1, 2] }, update);
    const garbage = (index: number): CompactVote => ({
      ...compactVote(make.vote(update, make.signer(index)), update),
      s: toBase64(new Uint8Array(64)),
    });
    const padded = withVotes(make, commit, [...commit.votes, garbage(3), garbage(7)].sort(byVoter));
    const context = contextFor(make.network);
    assert.equal(verifyCommit(padded, context).kind, 'accept');
    assert.equal(context.verifier.stats.verified, 2 + 3, 'the weightless votes were never checked');
  });

  it('a staked successor key counts only if the registry knows that key (a rotation names it)', () => {
    const network = testNetwork([10, 10, 10]);
    const make = new EntryMaker({ network });
    const update = make.update(subject);
    // Validator 2 rotated to test key 9 before the update; 9 votes with 2's stake.
    const at = parseTimestamp(update.timestamp)! - 1_000;
    const order = { at, id: 'rotation', origin: make.signer(2).nodeId };
    const commit = withVotes(
      make,
      make.commit(subject, { voters: [0] }, update),
      [0, 9].map((index) => compactVote(make.vote(update, make.signer(index)), update)).sort(byVoter),
    );
    const knowing = new NodeRegistry(network);
    knowing.applyRotation(make.signer(2).nodeId, testSigner(9).nodeId, order, testSigner(9).publicKey);
    assert.equal(verifyCommit(commit, contextFor(network, knowing)).kind, 'accept');
    const unaware = new NodeRegistry(network);
    unaware.applyRotation(make.signer(2).nodeId, testSigner(9).nodeId, order);
    const outcome = verifyCommit(commit, contextFor(network, unaware));
    assert.equal(outcome.kind === 'ignore' && outcome.code, 'TM_ERR_QUORUM_NOT_REACHED');
  });

  it('needs more than half the stake by weight, whatever the number of voters', () => {
    const make = new EntryMaker({ network: testNetwork([40, 10, 10, 40]) });
    const heavy = verifyCommit(make.commit(subject, { voters: [0, 3] }), contextFor(make.network));
    assert.equal(heavy.kind, 'accept', '80 of 100 from two voters');
    const context = contextFor(make.network);
    const many = verifyCommit(make.commit(subject, { voters: [0, 1] }), context);
    assert.equal(many.kind === 'ignore' && many.code, 'TM_ERR_QUORUM_NOT_REACHED', '50 of 100 is not enough');
    assert.equal(context.verifier.stats.verified, 0, 'a shortfall costs no signature check');
  });
});

describe('the signature prepass over a compact commit', () => {
  it('names the expanded votes verifyCommit checks, as the same objects, so nothing is verified twice', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10, 10], engines: [0] });
    const node = mesh.nodes[0]!;
    const make = new EntryMaker({ network: mesh.network, clock: mesh.clock });
    const commit = JSON.parse(
      JSON.stringify(make.commit(subject, { origin: 1, voters: [1, 2, 3] })),
    ) as Commit;
    const { verifier } = node.engine;
    const ahead = node.engine.signaturesAhead(commit);
    assert.deepEqual(
      ahead.map((message) => message.type),
      ['COMMIT', 'TRUST_UPDATE', 'VOTE', 'VOTE', 'VOTE'],
    );
    for (const message of ahead) {
      const prepared = verifier.prepare(message)!;
      const results = prepared.checks.map((check) =>
        sodiumCrypto.verify(check.signature, check.message, check.publicKey),
      );
      assert.equal(verifier.settle(prepared, results).kind, 'accept');
    }
    const verifiedAhead = verifier.stats.verified;
    const checked: SignedMessage[] = [];
    const verify = verifier.verify.bind(verifier);
    verifier.verify = (message) => {
      checked.push(message);
      return verify(message);
    };
    assert.equal(node.engine.handle(testSigner(1).nodeId, commit).kind, 'accept');
    assert.equal(verifier.stats.verified, verifiedAhead, 'every check in the turn hit the cache');
    for (const message of ahead) assert.ok(checked.includes(message), `${message.type} checked as prepared`);
  });
});
