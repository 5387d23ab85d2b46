// Shared pieces of the benchmarks: result shape, percentiles, and a quiet devnet of N real nodes.
// Benchmarks report medians and percentiles; absolute figures vary with the machine, ratios within a run less so.
import { percentile } from '../src/devnet/smoke.js';

export { percentile };

export interface BenchResult {
  /** Short id, also the key in results JSON. */
  name: string;
  title: string;
  /** Measured figures; units in `units` by the same key. */
  figures: Record<string, number>;
  units: Record<string, string>;
  /** What was run (node count, message count, …) so the figures can be read and reproduced. */
  setup: Record<string, number | string | boolean>;
  notes?: string[];
}

export interface BenchOptions {
  /** Longer runs (more samples, bigger networks). */
  full: boolean;
  log(line: string): void;
}

export interface Bench {
  name: string;
  title: string;
  run(options: BenchOptions): Promise<BenchResult>;
}

/** Network parameters that lift the per-origin rate limits, for benchmarks that measure something else. */
export const UNLIMITED = { rateLimitPerMinute: 1_000_000, criticalRateLimitPerMinute: 1_000_000 };

/** Per-connection budgets too large to matter, for benchmarks that measure how fast one peer can be served. */
const NO_LIMIT = { perMinute: Number.MAX_SAFE_INTEGER, burst: Number.MAX_SAFE_INTEGER };
export const UNLIMITED_LINK_BUDGET = {
  frames: NO_LIMIT,
  relay: NO_LIMIT,
  link: NO_LIMIT,
  sync: NO_LIMIT,
  bytes: NO_LIMIT,
};

export const median = (values: readonly number[]): number => percentile(values, 50);

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`bench timed out waiting for ${what}`);
    await sleep(1);
  }
}
