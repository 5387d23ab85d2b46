// Fuzzes MeshEngine.handle on a MemoryLedger: mutated frames of every type, and bad messages signed again by
// members, outsiders or for another network. Never a throw; unless accepted, no state change and no forwarding.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CI_FRAMES,
  createFuzzWorld,
  fuzzHandlers,
  fuzzSignedHandlers,
  type Tally,
} from '../../support/fuzz-properties.js';

const HANDLER_FRAMES = CI_FRAMES.handlers;
const SIGNED_FRAMES = CI_FRAMES.signed;
/**
 * Many mutated frames are refused by the decoder and never reach the engine: of those that do (one tally entry
 * per call of the engine) about 9,500 and 2,800 were seen per run, over random seeds; these bounds are far
 * below what a seed could plausibly give, and catch a mutation mix that stops reaching the engine.
 */
const HANDLED_AT_LEAST = 8_000;
const SIGNED_HANDLED_AT_LEAST = 2_000;

const reachedEngine = (tally: Tally) => [...tally.values()].reduce((sum, n) => sum + n, 0);

describe('fuzz: engine handlers', () => {
  let unhandled = 0;
  const onRejection = () => {
    unhandled++;
  };
  before(() => process.on('unhandledRejection', onRejection));
  after(() => {
    process.off('unhandledRejection', onRejection);
  });

  it(`${HANDLER_FRAMES} mutated frames of every type: invalid ones change nothing`, async (t) => {
    const world = createFuzzWorld();
    const tally: Tally = new Map();
    const started = performance.now();
    const frames = fuzzHandlers(world, { runs: HANDLER_FRAMES }, tally);
    // Let any promise a handler might have left behind settle before counting unhandled rejections.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(unhandled, 0);
    assert.equal(frames, HANDLER_FRAMES, 'frames fed in, counted');
    const handled = reachedEngine(tally);
    assert.ok(handled >= HANDLED_AT_LEAST, `${handled} of them decoded and reached the engine`);
    assert.ok((tally.get('reject:TM_ERR_SIG_INVALID') ?? 0) > 0, 'signatures were reached');
    const ms = Math.round(performance.now() - started);
    t.diagnostic(
      `handlers: ${frames} frames, ${handled} handled, in ${ms} ms ${JSON.stringify(Object.fromEntries(tally))}`,
    );
  });

  it(`${SIGNED_FRAMES} validly signed bad messages: only evidence of misbehaviour changes anything`, async (t) => {
    const world = createFuzzWorld();
    const tally: Tally = new Map();
    const started = performance.now();
    const frames = fuzzSignedHandlers(world, { runs: SIGNED_FRAMES }, tally);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(unhandled, 0);
    assert.equal(frames, SIGNED_FRAMES, 'frames fed in, counted');
    const handled = reachedEngine(tally);
    assert.ok(handled >= SIGNED_HANDLED_AT_LEAST, `${handled} of them decoded and reached the engine`);
    const ms = Math.round(performance.now() - started);
    t.diagnostic(
      `signed: ${frames} frames, ${handled} handled, in ${ms} ms ${JSON.stringify(Object.fromEntries(tally))}`,
    );
  });
});
