// Fuzzes the frame decoder: arbitrary text and JSON, objects of every type with arbitrary fields, edited frames.
// Nothing may throw, every refusal carries a known code and a bounded detail, every accepted value can be signed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/core/messages/decode.js';
import {
  CI_FRAMES,
  createFuzzWorld,
  fuzzDecoder,
  MESSAGE_TYPES,
  type Tally,
} from '../../support/fuzz-properties.js';

const DECODER_FRAMES = CI_FRAMES.decoder;

describe('fuzz: frame decoder', () => {
  const world = createFuzzWorld();

  // Each fuzz file runs in a process of its own: each asserts that the frames it counted as fed in equal its share.
  it('the fuzz files’ shares add up to at least 100,000 frames per run', () => {
    const total = Object.values(CI_FRAMES).reduce((sum, frames) => sum + frames, 0);
    assert.ok(total >= 100_000, `${total}`);
  });

  it('every sample of every type decodes (mutations start from valid messages)', () => {
    for (const type of MESSAGE_TYPES) {
      const samples = world.samples.get(type);
      assert.ok(samples !== undefined && samples.length > 0, type);
      for (const sample of samples) assert.equal(decodeValue(sample).kind, 'accept', type);
    }
  });

  it(`${DECODER_FRAMES} generated frames: no throw, known codes, bounded details, signable values`, (t) => {
    const tally: Tally = new Map();
    const started = performance.now();
    const frames = fuzzDecoder(world, { runs: DECODER_FRAMES }, tally);
    assert.equal(frames, DECODER_FRAMES, 'frames fed in, counted');
    // The edited frames reach past JSON parsing into the schemas, and some survive whole.
    assert.ok((tally.get('reject:TM_ERR_SCHEMA_INVALID') ?? 0) > frames / 10);
    assert.ok((tally.get('accept') ?? 0) > 100);
    const ms = Math.round(performance.now() - started);
    t.diagnostic(`decoder: ${frames} frames in ${ms} ms ${JSON.stringify(Object.fromEntries(tally))}`);
  });
});
