// Fuzzes every message schema on its own with mutated valid samples (no frame text, no decoder shortcuts).
// The compiled validator never throws and agrees with decodeValue; accepted values revalidate and can be signed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CI_FRAMES,
  createFuzzWorld,
  fuzzSchemas,
  MESSAGE_TYPES,
  type Tally,
} from '../../support/fuzz-properties.js';

const SCHEMA_FRAMES = CI_FRAMES.schemas;

describe('fuzz: schemas', () => {
  it(`${SCHEMA_FRAMES} mutated values over all ${MESSAGE_TYPES.length} schemas`, (t) => {
    const world = createFuzzWorld();
    const tally: Tally = new Map();
    const started = performance.now();
    const frames = fuzzSchemas(world, { runs: SCHEMA_FRAMES }, tally);
    assert.equal(frames, SCHEMA_FRAMES, 'values fed in, counted');
    assert.ok((tally.get('accept') ?? 0) > 0);
    const ms = Math.round(performance.now() - started);
    t.diagnostic(`schemas: ${frames} values in ${ms} ms ${JSON.stringify(Object.fromEntries(tally))}`);
  });
});
