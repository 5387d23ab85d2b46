import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { RootWarmer } from '../../../src/node/sync/root-warmer.js';
import { captureLogger, waitFor } from '../../support/mesh.js';

describe('RootWarmer', () => {
  test('runs the view in slices of a few milliseconds, other work running between slices, until it is warm', async () => {
    const { logger, records } = captureLogger();
    const events: string[] = [];
    const budgets: number[] = [];
    const warmer = new RootWarmer(
      {
        warm: (now, deadline) => {
          budgets.push(deadline - now());
          events.push('slice');
          // Other work queued during a slice (a PING, a request) must run before the next slice.
          setImmediate(() => events.push('other'));
          return budgets.length >= 5;
        },
      },
      logger,
    );
    warmer.start();
    await waitFor(() => budgets.length >= 5, 5_000, 'the view warm');
    await nextTurn();
    warmer.stop();
    assert.equal(budgets.length, 5);
    for (const budget of budgets) assert.ok(budget > 0 && budget <= 5, `${budget} ms`);
    assert.deepEqual(events, Array.from({ length: 5 }, () => ['slice', 'other']).flat());
    assert.deepEqual(records, []);
  });

  test('stop() cancels the slice that is due', async () => {
    const { logger } = captureLogger();
    let calls = 0;
    const warmer = new RootWarmer(
      {
        warm: () => {
          calls++;
          if (calls === 2) warmer.stop();
          return false;
        },
      },
      logger,
    );
    warmer.start();
    warmer.stop();
    for (let turn = 0; turn < 5; turn++) await nextTurn();
    assert.equal(calls, 0, 'stopped before its first slice');
    warmer.start();
    for (let turn = 0; turn < 10; turn++) await nextTurn();
    assert.equal(calls, 2, 'stopped inside its second slice');
  });

  test('a store failure is logged once and retried at the next look; recovery is logged', async () => {
    const { logger, records } = captureLogger();
    let calls = 0;
    const warmer = new RootWarmer(
      {
        warm: () => {
          calls++;
          if (calls <= 2) throw new Error('disk gone');
          return true;
        },
      },
      logger,
    );
    try {
      warmer.start();
      await waitFor(() => calls >= 3, 5_000, 'two retries');
      assert.deepEqual(
        records.map((record) => [record.msg, record.err]),
        [
          ['block roots not warmed', 'disk gone'],
          ['block roots warming again', undefined],
        ],
      );
    } finally {
      warmer.stop();
    }
  });
});
