// `npm run fuzz` / `node dist/bench/fuzz.js --frames N [--seed S]`: the test suite's fuzz properties, run longer.
// Frames are split as in CI (decoder, schemas, handlers, signed handlers); a failure prints its seed and exits 1.
import {
  CI_FRAMES,
  createFuzzWorld,
  fuzzDecoder,
  fuzzHandlers,
  fuzzSchemas,
  fuzzSignedHandlers,
  type Tally,
} from '../test/support/fuzz-properties.js';

function argument(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const at = argv.indexOf(`--${name}`);
  if (at >= 0) return argv[at + 1];
  return argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const frames = Number(argument('frames') ?? 1_000_000);
const seed = argument('seed') === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(argument('seed'));
if (!Number.isInteger(frames) || frames <= 0 || !Number.isInteger(seed)) {
  console.error('usage: node dist/bench/fuzz.js [--frames N] [--seed S]');
  process.exit(2);
}

const ciTotal = Object.values(CI_FRAMES).reduce((sum, share) => sum + share, 0);
const parts = [
  ['decoder', fuzzDecoder, CI_FRAMES.decoder],
  ['schemas', fuzzSchemas, CI_FRAMES.schemas],
  ['handlers', fuzzHandlers, CI_FRAMES.handlers],
  ['signed handlers', fuzzSignedHandlers, CI_FRAMES.signed],
] as const;

let unhandled = 0;
process.on('unhandledRejection', () => {
  unhandled++;
});

console.log(`fuzzing ${frames} frames, seed ${seed}`);
let total = 0;
const started = performance.now();
for (const [name, run, share] of parts) {
  const runs = Math.max(1, Math.round((frames * share) / ciTotal));
  const tally: Tally = new Map();
  const partStarted = performance.now();
  try {
    total += run(createFuzzWorld(), { runs, seed }, tally);
  } catch (error) {
    console.error(
      `${name}: FAILED (seed ${seed})\n${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
  const ms = performance.now() - partStarted;
  const outcomes = [...tally].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${key} ${n}`);
  console.log(`${name}: ${runs} frames in ${Math.round(ms)} ms (${Math.round((runs / ms) * 1000)}/s)`);
  console.log(`  ${outcomes.join(', ')}`);
}
await new Promise((resolve) => setImmediate(resolve));
const seconds = (performance.now() - started) / 1000;
console.log(`${total} frames in ${seconds.toFixed(1)} s; unhandled rejections: ${unhandled}`);
process.exit(unhandled === 0 ? 0 : 1);
