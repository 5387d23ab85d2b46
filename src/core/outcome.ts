// The three outcomes of checking untrusted input: accept, ignore (not useful) or reject (the sender's fault).
// Only `reject` penalises the peer that sent it; checks return outcomes and never throw on bad input.
import type { ErrorCode } from './errors.js';

export type Accepted<T> = { readonly kind: 'accept'; readonly value: T };
export type Ignored = { readonly kind: 'ignore'; readonly code: ErrorCode; readonly detail?: string };
export type Rejected = { readonly kind: 'reject'; readonly code: ErrorCode; readonly detail?: string };
export type Outcome<T> = Accepted<T> | Ignored | Rejected;
export type Failure = Ignored | Rejected;

export const accept = <T>(value: T): Accepted<T> => ({ kind: 'accept', value });
export const ignore = (code: ErrorCode, detail?: string): Ignored =>
  detail === undefined ? { kind: 'ignore', code } : { kind: 'ignore', code, detail };
export const reject = (code: ErrorCode, detail?: string): Rejected =>
  detail === undefined ? { kind: 'reject', code } : { kind: 'reject', code, detail };
