// Keeps trying to hold a connection to each configured peer or bootstrap node: exponential backoff with jitter.
// Owns only timing and the dial itself; what happens on the socket is the peer manager's business.
import type { ErrorCode } from '../../core/errors.js';

export interface DialTarget {
  readonly url: string;
  /** Key the network file pins for this endpoint, if any. */
  readonly pinnedKey?: string | undefined;
  /** Node id learned from the last successful handshake with this endpoint. */
  nodeId?: string;
  attempt: number;
  timer: NodeJS.Timeout | null;
  connecting: boolean;
  /** Set when the endpoint turned out to be this node itself: never dial it again. */
  retired: boolean;
  lastError?: ErrorCode | string;
  /** When a failure to reach it was last logged at warn level, and since when it has been failing. */
  warnedAt?: number;
  failingSince?: number | undefined;
}

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

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
