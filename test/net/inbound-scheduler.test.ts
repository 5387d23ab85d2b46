// InboundScheduler on its own: critical work first, a per-turn time budget, at least one normal item a turn.
// Time is a fake the handler advances; a turn runs on setImmediate, so the test awaits one turn at a time.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { InboundScheduler } from '../../src/net/inbound-scheduler.js';

/** Resolves after the scheduler's pending turn: it queued its setImmediate before this one. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Harness {
  scheduler: InboundScheduler<string>;
  /** Items each turn handled, one array per call of the handler. */
  turns: string[][];
  clock: { now: number };
}

/** Each item the handler takes costs `costMs` of fake time. */
function harness(
  turnMs: number,
  costMs: number,
  gather: { turns: number; items: number } | null = null,
): Harness {
  const clock = { now: 0 };
  const turns: string[][] = [];
  const scheduler = new InboundScheduler<string>(
    (next) => {
      const turn: string[] = [];
      for (let item = next(); item !== undefined; item = next()) {
        turn.push(item);
        clock.now += costMs;
      }
      turns.push(turn);
    },
    {
      turnMs,
      now: () => clock.now,
      ...(gather === null ? {} : { gatherTurns: gather.turns, gatherItems: gather.items }),
    },
  );
  return { scheduler, turns, clock };
}

describe('InboundScheduler', () => {
  let current: Harness | null = null;
  afterEach(() => {
    current?.scheduler.stop();
    current = null;
  });
  const make = (turnMs: number, costMs: number, gather: { turns: number; items: number } | null = null) => {
    current = harness(turnMs, costMs, gather);
    return current;
  };

  it('gathers normal items for a few loop turns while few wait, not when enough do or one is critical', async () => {
    const { scheduler, turns } = make(1_000, 1, { turns: 2, items: 3 });
    scheduler.enqueue('normal', 'n1');
    await nextTurn();
    scheduler.enqueue('normal', 'n2');
    await nextTurn();
    assert.deepEqual(turns, [], 'two items: still gathering');
    await nextTurn();
    assert.deepEqual(turns, [['n1', 'n2']], 'handled once it waited its two turns');
    for (const item of ['n3', 'n4', 'n5']) scheduler.enqueue('normal', item);
    await nextTurn();
    assert.deepEqual(turns.at(-1), ['n3', 'n4', 'n5'], 'three waiting: at once');
    scheduler.enqueue('normal', 'n6');
    scheduler.enqueue('critical', 'c1');
    await nextTurn();
    assert.deepEqual(turns.at(-1), ['c1', 'n6'], 'a critical item is never held back');
  });

  it('runs nothing until a turn, then handles critical items before normal ones', async () => {
    const { scheduler, turns } = make(1_000, 1);
    scheduler.enqueue('normal', 'n1');
    scheduler.enqueue('normal', 'n2');
    scheduler.enqueue('critical', 'c1');
    scheduler.enqueue('normal', 'n3');
    scheduler.enqueue('critical', 'c2');
    assert.equal(scheduler.queued, 5);
    assert.deepEqual(turns, [], 'enqueue never handles inline');
    await nextTurn();
    assert.deepEqual(turns, [['c1', 'c2', 'n1', 'n2', 'n3']], 'one handler call for the whole batch');
    assert.equal(scheduler.queued, 0);
    await nextTurn();
    assert.equal(turns.length, 1, 'no turn is scheduled when nothing waits');
  });

  it('stops taking normal items once the turn budget is spent, and goes on in the next turn', async () => {
    const { scheduler, turns } = make(10, 5);
    for (let i = 1; i <= 5; i++) scheduler.enqueue('normal', `n${i}`);
    await nextTurn();
    assert.deepEqual(turns, [['n1', 'n2']]);
    // A critical frame that arrives behind the backlog is the first thing the next turn handles.
    scheduler.enqueue('critical', 'c1');
    await nextTurn();
    assert.deepEqual(turns[1], ['c1', 'n3']);
    await nextTurn();
    assert.deepEqual(turns[2], ['n4', 'n5']);
    assert.equal(scheduler.queued, 0);
  });

  it('takes one normal item per turn even when each one alone overruns the budget', async () => {
    const { scheduler, turns } = make(10, 50);
    for (let i = 1; i <= 3; i++) scheduler.enqueue('normal', `n${i}`);
    for (let turn = 0; turn < 3; turn++) await nextTurn();
    assert.deepEqual(turns, [['n1'], ['n2'], ['n3']]);
  });

  it('takes a first batch of 64 critical items regardless of time, then respects the budget for them too', async () => {
    const { scheduler, turns } = make(10, 1);
    for (let i = 0; i < 100; i++) scheduler.enqueue('critical', `c${i}`);
    scheduler.enqueue('normal', 'n1');
    await nextTurn();
    // 64 critical items overrun the 10 ms budget; the normal item still gets its one slot.
    assert.equal(turns[0]!.length, 65);
    assert.deepEqual(
      turns[0]!.slice(0, 64),
      Array.from({ length: 64 }, (_, i) => `c${i}`),
    );
    assert.equal(turns[0]![64], 'n1');
    await nextTurn();
    assert.deepEqual(
      turns[1],
      Array.from({ length: 36 }, (_, i) => `c${64 + i}`),
    );
  });

  it('keeps taking critical items past the first batch while the budget lasts', async () => {
    const { scheduler, turns } = make(1_000, 1);
    for (let i = 0; i < 200; i++) scheduler.enqueue('critical', `c${i}`);
    await nextTurn();
    assert.equal(turns[0]!.length, 200);
  });

  it('drops queued work on stop, also in the middle of a turn, and ignores work enqueued after', async () => {
    const { scheduler, turns } = make(1_000, 1);
    scheduler.enqueue('normal', 'n1');
    scheduler.stop();
    await nextTurn();
    assert.deepEqual(turns, []);
    scheduler.enqueue('critical', 'c1');
    await nextTurn();
    assert.deepEqual(turns, []);

    let stopping: InboundScheduler<string> | null = null;
    const seen: string[] = [];
    stopping = new InboundScheduler<string>(
      (next) => {
        seen.push(next()!);
        stopping!.stop();
        assert.equal(next(), undefined);
      },
      { turnMs: 1_000, now: () => 0 },
    );
    stopping.enqueue('normal', 'a');
    stopping.enqueue('normal', 'b');
    await nextTurn();
    await nextTurn();
    assert.deepEqual(seen, ['a']);
  });
});
