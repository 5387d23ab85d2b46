import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseTimestamp } from '../../src/core/time.js';

/** The definition parseTimestamp's digit-by-digit path must agree with: Date.parse plus a date round trip. */
function reference(text: string): number | null {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  return new Date(ms).toISOString().slice(0, 10) === text.slice(0, 10) ? ms : null;
}

const twoDigits = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
/** Every string of the schema's shape, most of them impossible dates or times (month 13, Feb 30, 24:00, :60). */
const schemaShaped = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
    month: twoDigits,
    day: twoDigits,
    hour: twoDigits,
    minute: twoDigits,
    second: twoDigits,
    fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{1,3}$/)),
  })
  .map((t) => `${t.year}-${t.month}-${t.day}T${t.hour}:${t.minute}:${t.second}${t.fraction}Z`);
const plausible = fc
  .integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) })
  .map((ms) => new Date(ms).toISOString());

test('parseTimestamp agrees with Date.parse and the date round trip on every schema-shaped timestamp', () => {
  fc.assert(
    fc.property(fc.oneof(schemaShaped, plausible), (text) => {
      assert.equal(parseTimestamp(text), reference(text), text);
    }),
    { numRuns: 20_000 },
  );
});

test('parseTimestamp reads fractions of one to three digits and refuses impossible dates', () => {
  assert.equal(parseTimestamp('2026-12-03T07:00:00.5Z'), Date.UTC(2026, 11, 3, 7, 0, 0, 500));
  assert.equal(parseTimestamp('2026-12-03T07:00:00.05Z'), Date.UTC(2026, 11, 3, 7, 0, 0, 50));
  assert.equal(parseTimestamp('2026-12-03T07:00:00.005Z'), Date.UTC(2026, 11, 3, 7, 0, 0, 5));
  assert.equal(parseTimestamp('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  assert.equal(parseTimestamp('2026-02-29T00:00:00Z'), null);
  assert.equal(parseTimestamp('1900-02-29T00:00:00Z'), null);
  assert.equal(parseTimestamp('2000-02-29T00:00:00Z'), Date.UTC(2000, 1, 29));
  assert.equal(parseTimestamp('2026-04-31T00:00:00Z'), null);
  assert.equal(parseTimestamp('2026-01-01T24:00:00Z'), null);
  assert.equal(parseTimestamp('0099-01-01T00:00:00Z'), reference('0099-01-01T00:00:00Z'));
  assert.equal(parseTimestamp('not a time'), null);
});
