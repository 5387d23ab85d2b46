// Link latency distributions sampled from the run's seeded generator: fixed, uniform, or lognormal.
// Every draw comes from one SeededRandom in a fixed order, so the same seed gives the same delays.
import type { SeededRandom } from '../core/memory/seeded-entropy.js';

export type LatencySpec =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** exp(N(ln(medianMs), sigma²)): a long right tail, like real wide-area links. */
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number };

/** A standard normal draw (Box–Muller; one of the pair is discarded to keep the draw count fixed per sample). */
function normal(random: SeededRandom): number {
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** One latency in ms (never negative). A fixed latency draws nothing, so it leaves the stream untouched. */
export function sampleLatency(spec: LatencySpec, random: SeededRandom): number {
  switch (spec.kind) {
    case 'fixed':
      return spec.ms;
    case 'uniform':
      return spec.minMs + (spec.maxMs - spec.minMs) * random.next();
    case 'lognormal':
      return spec.medianMs * Math.exp(spec.sigma * normal(random));
  }
}

/** The smallest delay a link can have, for shortest-path bounds. */
export function minimumLatency(spec: LatencySpec): number {
  switch (spec.kind) {
    case 'fixed':
      return spec.ms;
    case 'uniform':
      return spec.minMs;
    case 'lognormal':
      return 0;
  }
}
