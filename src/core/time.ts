// Time as the core sees it: an injected clock and helpers to read and write protocol timestamps.
// Nothing in src/core reads the system clock; the shell passes a Clock, the simulator a virtual one.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Source of fresh message ids and nonces, injected so the simulator can seed it. */
export interface Entropy {
  messageId(): string;
  nonce(): Uint8Array;
}

export function isoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** Parses a protocol timestamp (already schema-checked) to ms; null when the calendar date is impossible. */
export function parseTimestamp(text: string): number | null {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls over impossible dates (Feb 30) in some engines; require a round trip on the date part.
  return new Date(ms).toISOString().slice(0, 10) === text.slice(0, 10) ? ms : null;
}

/**
 * The deterministic order of records: by timestamp, then id, then origin. Ids are unique only per origin, so
 * without the origin two nodes' entries could tie and their order depend on arrival.
 */
export interface OrderKey {
  readonly at: number;
  readonly id: string;
  readonly origin: string;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function compareOrder(a: OrderKey, b: OrderKey): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return compareText(a.id, b.id) || compareText(a.origin, b.origin);
}
