import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { partitionPoint } from '../../src/core/sorted.js';

describe('partitionPoint', () => {
  test('finds the first index in the range where the predicate turns false, as a linear scan does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 })),
        fc.integer({ min: -60, max: 60 }),
        fc.nat(),
        (values, bound, start) => {
          const sorted = [...values].sort((a, b) => a - b);
          const from = Math.min(start, sorted.length);
          const isBefore = (index: number) => sorted[index]! < bound;
          let expected = from;
          while (expected < sorted.length && isBefore(expected)) expected++;
          assert.equal(partitionPoint(from, sorted.length, isBefore), expected);
        },
      ),
    );
  });
});
