import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RootWarmer } from '../../../src/node/sync/root-warmer.js';
import { captureLogger, waitFor } from '../../support/mesh.js';

describe('RootWarmer', () => {
  test('runs the view in slices of a few milliseconds, one event-loop turn each, until it is warm', async () => {
    const { logger, records } = captureLogger();
    const budgets: number[] = [];
    const warmer = new RootWarmer(
      {
        warm: (now, deadline) => {
          budgets.push(deadline - now());
          return budgets.length >= 5;
        },
      },
      logger,
    );
    assert.equal(warmer.current, false);
    warmer.start();
    await waitFor(() => warmer.current, 5_000, 'the view warm');
    warmer.stop();
    assert.equal(budgets.length, 5);
    for (const budget of budgets) assert.ok(budget > 0 && budget <= 5, `${budget} ms`);
    assert.deepEqual(records, []);
  });

  test('a store failure stops the warming and is logged; start() takes it up again', async () => {
    const { logger, records } = captureLogger();
    let calls = 0;
    const warmer = new RootWarmer(
      {
        warm: () => {
          calls++;
          throw new Error('disk gone');
        },
      },
      logger,
    );
    warmer.start();
    await waitFor(() => records.length > 0, 5_000, 'the failure logged');
    assert.equal(calls, 1);
    assert.equal(records[0]!.msg, 'block roots not warmed');
    assert.equal(records[0]!.err, 'disk gone');
    warmer.start();
    await waitFor(() => records.length > 1, 5_000, 'the second failure logged');
    warmer.stop();
    assert.equal(calls, 2);
  });
});
