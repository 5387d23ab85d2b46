// Peer scores (gossipsub v1.1 style): invalid messages cost quadratically, excess linearly, first deliveries earn
// up to a cap, counters decay, and peers crowding one IP pay a colocation penalty quadratic in their surplus (P6).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PEER_SCORE, PEERS_TRACKED, PeerScores } from '../../../src/core/scoring/peer-score.js';

const T = 1_000_000;
/** The default weights with loopback counted like any address, as on a real network. */
const COUNTING_LOOPBACK = { ...DEFAULT_PEER_SCORE, colocationExemptLoopback: false };

describe('PeerScores', () => {
  it('charges invalid messages quadratically and excess linearly, credits capped first deliveries', () => {
    const scores = new PeerScores();
    for (let i = 0; i < 3; i++) scores.invalid('bad', T);
    assert.equal(scores.score('bad', T), -90);
    scores.excess('noisy', T, 20);
    assert.equal(scores.score('noisy', T), -20);
    for (let i = 0; i < 500; i++) scores.delivered('good', T);
    assert.equal(scores.score('good', T), 50, 'at most deliveryCap × deliveryWeight');
    assert.equal(scores.score('unknown', T), 0);
  });

  it('halves every counter over the half-life', () => {
    const scores = new PeerScores();
    scores.excess('noisy', T, 40);
    assert.equal(Math.round(scores.score('noisy', T + DEFAULT_PEER_SCORE.halfLifeMs)), -20);
  });

  it('drops and graylists a peer below the threshold, then lets it back with a clean score', () => {
    const scores = new PeerScores();
    scores.excess('noisy', T, 49);
    assert.equal(scores.shouldDrop('noisy', T), false);
    scores.excess('noisy', T, 2);
    assert.equal(scores.scoreWhenDropped('noisy'), null, 'not dropped yet');
    assert.equal(scores.shouldDrop('noisy', T), true);
    assert.equal(scores.isGraylisted('noisy', T + 1), true);
    // The score it was dropped with stays while it is refused; a read now has decayed above the threshold.
    const later = T + DEFAULT_PEER_SCORE.halfLifeMs;
    assert.equal(scores.scoreWhenDropped('noisy'), -51);
    assert.ok(scores.score('noisy', later) > DEFAULT_PEER_SCORE.disconnectBelow);
    assert.equal(scores.isGraylisted('noisy', T + DEFAULT_PEER_SCORE.graylistMs), false);
    assert.equal(scores.scoreWhenDropped('noisy'), null, 'forgotten once it is let back');
    assert.equal(scores.score('noisy', T + DEFAULT_PEER_SCORE.graylistMs), 0);
  });

  it('forgets expired graylist entries when it adds one, even for peers never looked up again', () => {
    const scores = new PeerScores();
    const drop = (peer: string, now: number) => {
      scores.excess(peer, now, 51);
      assert.equal(scores.shouldDrop(peer, now), true);
    };
    for (let i = 0; i < 100; i++) drop(`gone-${i}`, T + i);
    assert.equal(scores.graylistSize, 100);
    // gone-0 to gone-50 have served their time by now, the other 49 have not.
    const now = T + 50 + DEFAULT_PEER_SCORE.graylistMs;
    drop('new', now);
    assert.equal(scores.graylistSize, 50);
    assert.equal(scores.score('gone-0', now), 0, 'an expired one starts again from a clean score');
    assert.equal(scores.isGraylisted('gone-51', now), true);
    // Dropped again, it moves to the back, behind those that expire before it: they are still pruned.
    drop('gone-51', now);
    drop('last', now + 100);
    assert.equal(scores.graylistSize, 3, 'gone-51, new and last');
    assert.equal(scores.isGraylisted('gone-51', now + 100), true);
  });

  it('holds at most PEERS_TRACKED graylisted peers, evicting those that expire first', () => {
    const scores = new PeerScores();
    for (let i = 0; i <= PEERS_TRACKED; i++) {
      scores.excess(`p${i}`, T, 51);
      scores.shouldDrop(`p${i}`, T);
    }
    assert.equal(scores.graylistSize, PEERS_TRACKED);
    assert.equal(scores.isGraylisted('p0', T), false, 'the first one dropped made room');
    assert.equal(scores.isGraylisted('p1', T), true);
    assert.equal(scores.isGraylisted(`p${PEERS_TRACKED}`, T), true);
  });
});

describe('IP colocation (P6)', () => {
  it('costs nothing up to the threshold, then weight × surplus² for each peer on the IP', () => {
    const scores = new PeerScores(COUNTING_LOOPBACK);
    const { colocationThreshold: threshold, colocationWeight: weight } = DEFAULT_PEER_SCORE;
    const crowd = Array.from({ length: threshold + 3 }, (_, i) => `sybil-${i}`);
    for (const [i, peer] of crowd.entries()) {
      scores.connected(peer, '203.0.113.7');
      const surplus = Math.max(0, i + 1 - threshold);
      const expected = surplus === 0 ? 0 : weight * surplus * surplus;
      for (const member of crowd.slice(0, i + 1))
        assert.equal(scores.score(member, T), expected, `${i + 1} peers on one IP`);
    }
    assert.equal(scores.score(crowd[0]!, T), -90, 'six peers on one IP: each below the -50 threshold');
    assert.equal(scores.shouldDrop(crowd[0]!, T), true);
    scores.connected('elsewhere', '203.0.113.8');
    assert.equal(scores.score('elsewhere', T), 0, 'another IP, even in the same /24, is not colocated');
  });

  it('adds to what the peer did, and leaves with the connection', () => {
    const scores = new PeerScores(COUNTING_LOOPBACK);
    for (let i = 0; i < 4; i++) scores.connected(`p${i}`, '2001:db8::1');
    scores.excess('p0', T, 5);
    assert.equal(scores.score('p0', T), -15, 'excess −5 plus colocation −10');
    scores.disconnected('p3');
    assert.equal(scores.score('p0', T), -5, 'three left: no colocation penalty');
    scores.connected('p1', '2001:db8::2');
    scores.connected('p4', '2001:db8::1');
    scores.connected('p5', '2001:db8::1');
    assert.equal(scores.colocation('p0'), -10, 'a reconnect from elsewhere moved p1 off the crowded IP');
  });

  it('follows a key rotation: the connection keeps its place on its IP under the new id', () => {
    const scores = new PeerScores(COUNTING_LOOPBACK);
    for (let i = 0; i < 4; i++) scores.connected(`p${i}`, '198.51.100.1');
    scores.renamed('p0', 'rotated');
    assert.equal(scores.colocation('p0'), 0);
    assert.equal(scores.colocation('rotated'), -10);
    scores.disconnected('rotated');
    assert.equal(scores.colocation('p1'), 0);
  });

  it('exempts loopback by default (a devnet on one host), and counts it when switched off', () => {
    const exempt = new PeerScores();
    const counted = new PeerScores(COUNTING_LOOPBACK);
    for (let i = 0; i < 10; i++)
      for (const scores of [exempt, counted]) scores.connected(`local-${i}`, i % 2 ? '127.0.0.1' : '::1');
    assert.equal(exempt.score('local-0', T), 0);
    assert.equal(counted.score('local-0', T), -40, 'five on ::1: surplus 2');
    assert.equal(counted.score('local-1', T), -40, 'five on 127.0.0.1: surplus 2');
  });
});
