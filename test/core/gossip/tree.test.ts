// The dissemination tree on its own: one tree per origin, eager until pruned, ids to the links a message was not
// pushed to, in turn, and GRAFT for what never came. Pure: times are passed in and stepped by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GossipTree, type TreeOptions } from '../../../src/core/gossip/tree.js';

const OPTIONS: TreeOptions = {
  lazyIntervalMs: 1_000,
  lazyFanout: 1,
  lazyRounds: 2,
  graftAfterMs: 250,
  cacheMs: 30_000,
  maxIds: 512,
  maxIdChars: 60_000,
};
const all = () => true;

describe('GossipTree', () => {
  it('pushes to every link until a duplicate prunes it from that origin’s tree, never to a holder', () => {
    const tree = new GossipTree<string>(OPTIONS);
    assert.deepEqual([...tree.accepted('m1', 'O', 'one', 'a', 0)], ['a'], 'only the sender is left out');
    assert.equal(tree.duplicate('m1', 'O', 'b', 1), true, 'a copy by a second path prunes that link');
    assert.equal(tree.duplicate('m1', 'O', 'b', 2), false, 'once');
    assert.equal(tree.isLazy('b', 'O'), true);
    assert.equal(tree.isLazy('b', 'P'), false, 'for that origin only');
    tree.pruned('c', 'O');
    tree.pruned('c', 'NOBODY');
    assert.equal(tree.isLazy('c', 'NOBODY'), false, 'a PRUNE for an origin never seen here makes no state');
    assert.deepEqual([...tree.accepted('m2', 'O', 'two', 'a', 3)].sort(), ['a', 'b', 'c']);
    assert.deepEqual([...tree.accepted('p1', 'P', 'other', 'a', 3)], ['a'], "another origin's tree is whole");
    tree.announced('d', ['m3'], () => false, 4);
    assert.deepEqual(
      [...tree.accepted('m3', 'O', 'three', null, 5)].sort(),
      ['b', 'c', 'd'],
      'd announced m3',
    );
  });

  it('makes the link a first copy came by eager again in its origin’s tree', () => {
    const tree = new GossipTree<string>(OPTIONS);
    tree.pruned('a', 'O');
    tree.accepted('m1', 'O', 'one', 'a', 0);
    assert.equal(tree.isLazy('a', 'O'), false);
  });

  it('announces each message in lazyRounds rounds to the links it was not pushed to, in turn', () => {
    const tree = new GossipTree<string>(OPTIONS);
    for (const peer of ['x', 'y', 'z']) tree.duplicate(null, 'O', peer, 0);
    tree.accepted('m1', 'O', 'one', 'x', 0);
    const first = tree.tick(1_000, all).announce;
    const second = tree.tick(2_000, all).announce;
    const third = tree.tick(3_000, all).announce;
    assert.deepEqual(first, [{ peerId: 'y', ids: ['m1'] }], 'x sent it: it is not announced to x');
    assert.deepEqual(second, [{ peerId: 'z', ids: ['m1'] }]);
    assert.deepEqual(third, [], 'announced in two rounds, then dropped from the window');
    assert.deepEqual(tree.tick(3_500, all).announce, [], 'at most one round per interval');
  });

  it('asks an announcer for an id that never came, the next one on each try, and gives up after three', () => {
    const tree = new GossipTree<string>(OPTIONS);
    tree.announced('a', ['m1', 'known'], (key) => key === 'known', 0);
    tree.announced('b', ['m1'], () => false, 10);
    assert.deepEqual(tree.tick(100, all).graft, [], 'the eager copy gets graftAfterMs to arrive');
    assert.deepEqual(tree.tick(250, all).graft, [{ peerId: 'a', ids: ['m1'] }]);
    assert.deepEqual(tree.tick(500, all).graft, [{ peerId: 'b', ids: ['m1'] }], 'the next announcer');
    assert.deepEqual(tree.tick(750, all).graft, [{ peerId: 'a', ids: ['m1'] }]);
    assert.deepEqual(tree.tick(1_000, all).graft, [], 'three tries, then sync is left to repair it');
    tree.announced('a', ['m2'], () => false, 1_000);
    tree.accepted('m2', 'O', 'two', 'c', 1_100);
    assert.deepEqual(tree.tick(1_300, all).graft, [], 'arrived by the tree: not asked for');
  });

  it('answers a GRAFT with the cached messages asked for and grafts the asker into their trees', () => {
    const tree = new GossipTree<string>(OPTIONS);
    tree.accepted('m1', 'O', 'one', null, 0);
    tree.duplicate(null, 'O', 'a', 0);
    tree.duplicate(null, 'P', 'a', 0);
    assert.deepEqual(tree.grafted('a', ['m1', 'unknown'], 10), ['one']);
    assert.equal(tree.isLazy('a', 'O'), false);
    assert.equal(tree.isLazy('a', 'P'), true, 'only the trees of what it asked for');
    assert.deepEqual(tree.grafted('a', [], 20), [], 'an empty GRAFT: every tree');
    assert.equal(tree.isLazy('a', 'P'), false);
    assert.deepEqual(tree.grafted('a', ['m1'], 30_001), [], 'expired from the cache');
  });

  it('grafts every lazy link back when an eager link closes, not when a lazy one does', () => {
    const tree = new GossipTree<string>(OPTIONS);
    tree.duplicate(null, 'O', 'a', 0);
    tree.duplicate(null, 'O', 'b', 0);
    assert.deepEqual(tree.disconnected('a'), [], 'a link lazy in every tree closing cuts none');
    assert.deepEqual(tree.disconnected('eager'), ['b']);
    assert.equal(tree.isLazy('b', 'O'), false);
    tree.duplicate(null, 'O', 'c', 0);
    assert.equal(tree.isLazy('c', 'O'), true);
    tree.connected('c', 0);
    assert.equal(tree.isLazy('c', 'O'), false, 'a new connection starts eager');
  });

  it('says PRUNE again, once an interval, to a link already lazy that still pushes (its side grafted us)', () => {
    const tree = new GossipTree<string>(OPTIONS);
    tree.accepted('m1', 'O', 'one', 'a', 0);
    assert.equal(tree.duplicate('m1', 'O', 'b', 1), true);
    assert.equal(tree.duplicate('m2', 'O', 'b', 500), false, 'within the interval: once is enough');
    assert.equal(tree.duplicate('m3', 'O', 'b', 1_001), true, 'still pushing a second later: PRUNE again');
  });

  it('serves each cached message to a peer once, answers empty GRAFTs once an interval, and fits frames', () => {
    const tree = new GossipTree<string>({ ...OPTIONS, maxIdChars: 22 });
    tree.accepted('m1', 'O', 'one', null, 0);
    assert.deepEqual(tree.grafted('a', ['m1'], 1), ['one']);
    assert.deepEqual(tree.grafted('a', ['m1'], 2), [], 'asked again: not sent again');
    for (const key of ['k-000001', 'k-000002', 'k-000003']) tree.accepted(key, 'O', key, null, 3);
    assert.deepEqual(
      tree.recentFor('b', true, 4),
      ['k-000002', 'k-000003'],
      'the newest that fit 22 characters',
    );
    assert.deepEqual(tree.recentFor('b', true, 5), [], 'one answer to an empty GRAFT per interval');
    assert.deepEqual(
      tree.recentFor('b', false, 6),
      ['k-000002', 'k-000003'],
      'a GRAFT naming ids is answered',
    );
  });

  it('answers an empty GRAFT that came too soon once the interval has passed, with what arrived in between', () => {
    const tree = new GossipTree<string>(OPTIONS);
    tree.accepted('m1', 'O', 'one', null, 0);
    assert.deepEqual(tree.recentFor('b', true, 10), ['m1']);
    tree.accepted('m2', 'O', 'two', 'c', 300);
    assert.deepEqual(tree.recentFor('b', true, 600), [], 'within the interval: not answered now');
    const owed = (now: number, peer = 'b', up: (peerId: string) => boolean = all) =>
      tree.tick(now, up).announce.filter((a) => a.peerId === peer);
    assert.deepEqual(owed(900), [], 'the interval has not passed yet');
    assert.deepEqual(owed(1_011), [{ peerId: 'b', ids: ['m1', 'm2'] }], 'answered once it has');
    assert.deepEqual(owed(2_100), [], 'and only once');
    tree.recentFor('d', true, 2_200);
    tree.recentFor('d', true, 2_300);
    assert.deepEqual(
      owed(3_300, 'd', (peer) => peer !== 'd'),
      [],
      'a peer gone meanwhile is owed nothing',
    );
  });

  it('grafts one link back, with the newest id of the origin, once PRUNEs have left it no eager link', () => {
    const tree = new GossipTree<string>(OPTIONS);
    for (const peer of ['a', 'b', 'c']) tree.connected(peer, 0);
    tree.accepted('m1', 'O', 'one', 'a', 0);
    tree.accepted('m2', 'O', 'two', 'b', 10);
    tree.pruned('a', 'O');
    tree.pruned('b', 'O');
    assert.equal(tree.graftIfCut('O', 'b', 20), null, 'c still pushes O here');
    tree.pruned('c', 'O');
    // PRUNEs crossing copies in flight: every neighbour has stopped pushing O here.
    assert.deepEqual(tree.graftIfCut('O', 'c', 20), { peerId: 'a', ids: ['m2'] }, 'not the link just pruned');
    assert.equal(tree.isLazy('a', 'O'), false, 'eager again on this side');
    assert.equal(tree.graftIfCut('O', 'c', 20), null, 'one link is enough');
    assert.equal(tree.graftIfCut('P', null, 20), null, 'an origin never handled here: nothing to graft with');
  });

  it('does not prune the link a cut GRAFT went to for the copy it answers with', () => {
    const tree = new GossipTree<string>(OPTIONS);
    for (const peer of ['a', 'b']) tree.connected(peer, 0);
    tree.accepted('m1', 'O', 'one', 'a', 0);
    tree.pruned('a', 'O');
    tree.pruned('b', 'O');
    assert.deepEqual(tree.graftIfCut('O', 'b', 10), { peerId: 'a', ids: ['m1'] });
    // a pushed m1 here before, but does not know that it arrived: it answers the GRAFT with it.
    assert.equal(tree.duplicate('m1', 'O', 'a', 20), false, 'the answer prunes nothing');
    assert.equal(tree.isLazy('a', 'O'), false, 'the grafted link stays eager');
    assert.equal(tree.duplicate('m1', 'O', 'a', 30), true, 'a later redundant copy prunes it as usual');
  });

  it('grafts back only with a key the neighbour still caches', () => {
    const tree = new GossipTree<string>(OPTIONS);
    for (const peer of ['a', 'b']) tree.connected(peer, 0);
    tree.accepted('m1', 'O', 'one', 'a', 0);
    tree.pruned('a', 'O');
    tree.pruned('b', 'O');
    assert.equal(
      tree.graftIfCut('O', 'b', 15_001),
      null,
      'older than half the cache period: nothing to graft with',
    );
    tree.prune(30_001);
    tree.accepted('m2', 'P', 'two', 'a', 30_001);
    tree.pruned('a', 'P');
    tree.pruned('b', 'P');
    assert.deepEqual(tree.graftIfCut('P', 'b', 30_002), { peerId: 'a', ids: ['m2'] }, 'a fresh key is used');
  });

  it('keeps a neighbour’s place in every tree when it moves to a new key', () => {
    const tree = new GossipTree<string>(OPTIONS);
    for (const peer of ['a', 'b']) tree.connected(peer, 0);
    tree.accepted('m1', 'O', 'one', 'a', 0);
    tree.pruned('b', 'O');
    tree.renamed('b', 'b2');
    assert.equal(tree.isLazy('b2', 'O'), true, 'still lazy, under its new id');
    tree.pruned('a', 'O');
    assert.deepEqual(
      tree.graftIfCut('O', 'a', 1),
      { peerId: 'b2', ids: ['m1'] },
      'the old id is no neighbour',
    );
  });

  it('makes a link eager again for the origin of an id it asks for, even one it holds', () => {
    const tree = new GossipTree<string>(OPTIONS);
    tree.accepted('m1', 'O', 'one', 'a', 0);
    tree.duplicate('m1', 'O', 'b', 1);
    assert.equal(tree.isLazy('b', 'O'), true);
    assert.deepEqual(tree.grafted('b', ['m1'], 2), [], 'b sent a copy: it is not sent one');
    assert.equal(tree.isLazy('b', 'O'), false, 'but it gets O’s messages again');
  });

  it('tells a new link the ids of recent messages it is not known to hold', () => {
    const tree = new GossipTree<string>(OPTIONS);
    tree.accepted('m1', 'O', 'one', 'a', 0);
    tree.accepted('m2', 'P', 'two', 'b', 10);
    tree.announced('c', ['m2'], () => true, 20);
    assert.deepEqual(tree.connected('c', 30), ['m1'], 'c announced m2: it holds it');
    assert.deepEqual(tree.connected('d', 40), ['m1', 'm2']);
    assert.deepEqual(tree.connected('e', 30_011), [], 'expired from the cache');
  });

  it('chases at most 512 ids first announced by one peer, so fake announcements cannot crowd out real ones', () => {
    const tree = new GossipTree<string>(OPTIONS);
    tree.announced(
      'liar',
      Array.from({ length: 512 }, (_, i) => `fake-${i}`),
      () => false,
      0,
    );
    tree.announced('liar', ['fake-more'], () => false, 0);
    tree.announced('honest', ['real'], () => false, 0);
    const asked = tree.tick(250, all).graft;
    const ofLiar = asked.find(({ peerId }) => peerId === 'liar')!.ids;
    assert.equal(ofLiar.length, 512);
    assert.equal(ofLiar.includes('fake-more'), false, 'past its share');
    assert.deepEqual(asked.find(({ peerId }) => peerId === 'honest')?.ids, ['real']);
  });
});
