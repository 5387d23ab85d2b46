// The API's token bucket on a hand-moved clock: a minute's worth of burst, steady refill, separate callers,
// and a bounded number of buckets however many callers come.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_BUCKETS, RateLimiter } from '../../src/api/rate-limit.js';
import { ManualClock } from '../support/fixtures.js';

describe('API rate limiter', () => {
  test('allows a minute of requests at once, then one per 60/limit seconds', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(60, () => clock.now());
    for (let i = 0; i < 60; i++) assert.equal(limiter.take('a').allowed, true);
    const refused = limiter.take('a');
    assert.equal(refused.allowed, false);
    assert.ok(!refused.allowed && refused.retryAfterMs > 0 && refused.retryAfterMs <= 1_000);
    clock.advance(999);
    assert.equal(limiter.take('a').allowed, false);
    clock.advance(1);
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('b').allowed, true, 'each caller has its own bucket');
    clock.advance(3_600_000);
    const rested = limiter.take('a');
    assert.ok(rested.allowed && rested.remaining === 59, 'a bucket never holds more than a minute');
  });

  test('keeps at most MAX_BUCKETS buckets', () => {
    const limiter = new RateLimiter(10);
    for (let i = 0; i < MAX_BUCKETS + 100; i++) limiter.take(`address:${i}`);
    assert.ok(limiter.tracked <= MAX_BUCKETS);
  });
});
