import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Assignment, SyncPlanner } from '../../../src/core/sync/plan.js';

const rootOf = (height: number, variant = 'a') => `${variant}${height}`.padEnd(64, '0');

/** Heights [from, to] with the common root. */
function heights(from: number, to: number, variant = 'a'): Map<number, string> {
  const map = new Map<number, string>();
  for (let h = from; h <= to; h++) map.set(h, rootOf(h, variant));
  return map;
}

/** Serves every assignment at once, reporting success unless `fails` says otherwise; returns what was served. */
function drain(planner: SyncPlanner, fails: (a: Assignment) => 'timeout' | 'invalid' | null = () => null) {
  const served: Assignment[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const batch = planner.next();
    if (batch.length === 0) break;
    for (const assignment of batch) {
      const failure = fails(assignment);
      if (failure === null) {
        assert.ok(planner.completed(assignment.peerId, assignment));
        served.push(assignment);
      } else planner.failed(assignment.peerId, failure);
    }
  }
  return served;
}

describe('sync planner', () => {
  test('blocks are spread across different peers in parallel, within the in-flight cap', () => {
    const planner = new SyncPlanner({ maxInFlightPerPeer: 2, maxHeight: 1_000 });
    for (const peer of ['p1', 'p2', 'p3'])
      assert.equal(planner.addPeer(peer, 100, heights(0, 99)).kind, 'accept');
    const first = planner.next();
    assert.equal(first.length, 6, 'three peers, two slots each');
    const perPeer = new Map<string, number>();
    for (const a of first) perPeer.set(a.peerId, (perPeer.get(a.peerId) ?? 0) + 1);
    assert.deepEqual([...perPeer.values()], [2, 2, 2]);
    // Consecutive blocks go to different peers.
    assert.notEqual(first[0]!.peerId, first[1]!.peerId);
    assert.equal(planner.next().length, 0, 'no slot is free until something completes');
    planner.completed(first[0]!.peerId, first[0]!);
    const refill = planner.next();
    assert.equal(refill.length, 1);
    assert.equal(refill[0]!.peerId, first[0]!.peerId);
  });

  test('every critical part is fetched before any commit part, and each part once', () => {
    const planner = new SyncPlanner({ maxInFlightPerPeer: 3, maxHeight: 1_000 });
    planner.addPeer('p1', 50, heights(0, 40));
    planner.addPeer('p2', 50, heights(20, 50));
    const served = drain(planner);
    const firstCommit = served.findIndex((a) => a.part === 'commits');
    assert.equal(firstCommit, 51, 'all 51 critical parts first');
    assert.ok(served.slice(firstCommit).every((a) => a.part === 'commits'));
    const keys = served.map((a) => `${a.height}:${a.part}`);
    assert.equal(new Set(keys).size, keys.length, 'nothing fetched twice');
    assert.equal(keys.length, 102);
    assert.ok(planner.done);
    // Heights only one peer has are served by that peer.
    assert.ok(served.filter((a) => a.height < 20).every((a) => a.peerId === 'p1'));
    assert.ok(served.filter((a) => a.height > 40).every((a) => a.peerId === 'p2'));
  });

  test('a peer that times out or serves a bad block loses its share to the others and is scored down', () => {
    const planner = new SyncPlanner({ maxInFlightPerPeer: 4, maxHeight: 1_000 });
    for (const peer of ['good1', 'liar', 'good2']) planner.addPeer(peer, 30, heights(0, 29));
    const staller = new SyncPlanner({ maxInFlightPerPeer: 4, maxHeight: 1_000 });
    const served = drain(planner, (a) => (a.peerId === 'liar' ? 'invalid' : null));
    assert.equal(served.length, 60, 'every part still served');
    assert.ok(served.every((a) => a.peerId !== 'liar'));
    assert.ok(planner.done);
    assert.equal(planner.peer('liar')!.bad, true);
    assert.ok(planner.peer('liar')!.score < planner.peer('good1')!.score);
    // A timeout takes back everything the peer held at that moment.
    staller.addPeer('slow', 30, heights(0, 29));
    staller.addPeer('fast', 30, heights(0, 29));
    const firstBatch = staller.next();
    const held = firstBatch.filter((a) => a.peerId === 'slow');
    assert.equal(held.length, 4);
    const revoked = staller.failed('slow', 'timeout');
    assert.deepEqual(
      revoked.map((a) => a.height).sort((x, y) => x - y),
      held.map((a) => a.height).sort((x, y) => x - y),
    );
    assert.equal(staller.completed('slow', held[0]!), false, 'a late answer is not taken');
    for (const a of firstBatch.filter((x) => x.peerId === 'fast')) staller.completed(a.peerId, a);
    const rest = drain(staller);
    assert.ok(rest.every((a) => a.peerId === 'fast'));
    assert.ok(rest.some((a) => a.height === held[0]!.height && a.part === held[0]!.part));
    assert.equal(rest.length + 4, 60, 'everything served once by the peer left');
    assert.ok(staller.done);
  });

  test('a block only a failed peer had is stranded, not retried against it', () => {
    const planner = new SyncPlanner({ maxInFlightPerPeer: 4, maxHeight: 1_000 });
    planner.addPeer('only', 10, heights(5, 5));
    planner.addPeer('other', 10, heights(6, 6));
    drain(planner, (a) => (a.peerId === 'only' ? 'timeout' : null));
    assert.ok(planner.done);
    assert.deepEqual(
      planner.stranded.map((t) => `${t.height}:${t.part}`),
      ['5:critical', '5:commits'],
    );
    // A new peer that has it revives it.
    planner.addPeer('third', 10, heights(5, 5));
    assert.deepEqual(
      drain(planner).map((a) => `${a.peerId}:${a.height}`),
      ['third:5', 'third:5'],
    );
  });

  test('resumable: heights, blocks and parts already applied are never fetched', () => {
    const planner = new SyncPlanner({ maxInFlightPerPeer: 8, maxHeight: 1_000 }, [
      { height: 0 },
      { height: 1, root: rootOf(1) },
      { height: 2, root: rootOf(2), part: 'critical' },
      { height: 3, root: 'another-root'.padEnd(64, '0') },
    ]);
    planner.addPeer('p', 10, heights(0, 3));
    const served = drain(planner).map((a) => `${a.height}:${a.part}`);
    assert.deepEqual(served, ['3:critical', '2:commits', '3:commits']);
    // A second round with the same differences fetches nothing: what completed counts as applied.
    planner.addPeer('q', 10, heights(0, 3));
    assert.deepEqual(planner.next(), []);
  });

  test('a different root at one height is a different block, fetched from the peer that has it', () => {
    const planner = new SyncPlanner({ maxInFlightPerPeer: 8, maxHeight: 1_000 });
    planner.addPeer('a', 10, heights(4, 4, 'a'));
    planner.addPeer('b', 10, heights(4, 4, 'b'));
    const served = drain(planner).map((x) => `${x.peerId}:${x.root.slice(0, 1)}:${x.part}`);
    assert.deepEqual(served.sort(), ['a:a:commits', 'a:a:critical', 'b:b:commits', 'b:b:critical']);
  });

  test('a peer claiming a height beyond what the clock allows is refused; claims cap what it serves', () => {
    const planner = new SyncPlanner({ maxInFlightPerPeer: 8, maxHeight: 500 });
    const outcome = planner.addPeer('liar', 10 ** 12, heights(0, 3));
    assert.equal(outcome.kind === 'reject' && outcome.code, 'TM_ERR_SYNC_HEIGHT_IMPLAUSIBLE');
    assert.equal(planner.addPeer('nan', Number.NaN, heights(0, 3)).kind, 'reject');
    assert.deepEqual(planner.next(), []);
    assert.equal(planner.peer('liar'), undefined);
    planner.addPeer('honest', 2, heights(0, 9));
    assert.deepEqual(
      [...new Set(drain(planner).map((a) => a.height))],
      [0, 1, 2],
      'heights above its own claim are not asked of it',
    );
  });
});
