// What net/reqresp owns: requests this node sends to one peer and the answers it waits for — request ids, a
// deadline each, a cap on requests outstanding per peer. The light node's QUERY uses it; sync and discovery next.
import type { ErrorCode } from '../../core/errors.js';

/** Timers, injectable so tests and the simulator can move time by hand. */
export interface TimerScheduler {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_TIMERS: TimerScheduler = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface RequestTrackerOptions {
  /** How long a peer has to answer, counted from when the request is sent (not while it waits for a slot). */
  readonly timeoutMs: number;
  /** Requests sent to one peer and not yet answered; more wait, first come first sent, for a slot to free. */
  readonly maxOutstandingPerPeer: number;
}

export interface RequestTrackerModules {
  /** Fresh request ids, unique among this tracker's outstanding requests (default: a counter, `r-0`, `r-1` …). */
  readonly nextId?: () => string;
  readonly scheduler?: TimerScheduler;
}

/** Why a request ended without an answer. */
export type RequestFailureCode = Extract<
  ErrorCode,
  'TM_ERR_REQUEST_TIMEOUT' | 'TM_ERR_PEER_DISCONNECTED' | 'TM_ERR_NOT_RUNNING'
>;

/** How a request ended: never a throw, since a peer's silence or departure is not the caller's mistake. */
export type RequestOutcome<R> =
  | { readonly kind: 'answered'; readonly response: R }
  | { readonly kind: 'failed'; readonly code: RequestFailureCode; readonly detail: string };

/**
 * Puts the request on the wire under `id`; false when it could not be sent (the peer is not connected). The
 * tracker then takes the peer for gone: every request to it ends with TM_ERR_PEER_DISCONNECTED.
 */
export type SendRequest = (id: string) => boolean;
