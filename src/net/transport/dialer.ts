// Dial retry timing (exponential backoff with jitter) and the canonical form of an endpoint URL.
// Owns only the timing and the endpoint's form; dialling itself and what follows live in net/peers/dialler.ts.
import type { BackoffOptions } from './interface.js';

export type { BackoffOptions, DialTarget } from './interface.js';

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 5_000 };

/** Full-jitter-ish backoff: between half and all of min(max, initial·2^attempt). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

/** Appends the protocol path when an endpoint is given without one (the spec's bootstrap list omits it). */
export function normaliseEndpoint(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/mesh';
  return parsed.toString();
}
