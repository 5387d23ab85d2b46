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

/**
 * Parses a protocol timestamp (already schema-checked) to ms; null when the calendar date is impossible.
 * Timestamps are parsed several times per message (order keys, block heights, history), so the schema's own
 * shape is read digit by digit; anything else goes through Date.parse, which gives the same answer slower.
 */
export function parseTimestamp(text: string): number | null {
  const fast = parseSchemaTimestamp(text);
  return fast === undefined ? parseAnyTimestamp(text) : fast;
}

const ZERO = 48;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The value of `count` ASCII digits from `at`, or -1 when one is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * `YYYY-MM-DDTHH:MM:SS(.f{1,3})?Z` with a year from 1000: the ms, null for an impossible date or time (as Date.parse
 * and the round trip below judge it), undefined for any other shape (left to the general path).
 */
function parseSchemaTimestamp(text: string): number | null | undefined {
  const length = text.length;
  if (length !== 20 && (length < 22 || length > 24)) return undefined;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':')
    return undefined;
  if (text[length - 1] !== 'Z' || (length > 20 && text[19] !== '.')) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const fraction = length > 20 ? digits(text, 20, length - 21) : 0;
  if (year < 1000 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || fraction < 0)
    return undefined;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return null;
  const ms = fraction * 10 ** (24 - length);
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

function parseAnyTimestamp(text: string): number | null {
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
