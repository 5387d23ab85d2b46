// fast-check arbitraries that break valid messages: field deletions, wrong types, bound numbers, odd strings,
// extra fields, deep nesting, borrowed fields; and text edits of whole frames. Pure functions over JSON values.
import fc from 'fast-check';

type Container = Record<string, unknown> | unknown[];

/** Numbers at the edges of every bound in the schemas and the protocol, and at the edges of JSON itself. */
const BOUND_NUMBERS = [
  0,
  -0,
  -1,
  1,
  0.5,
  -0.5,
  8,
  9,
  16,
  17,
  20,
  21,
  255,
  256,
  257,
  999,
  1000,
  1001,
  1024,
  1025,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  10_000_000,
  10_000_001,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  1e308,
  -1e308,
  5e-324,
];

/** Lengths around every maxLength, pattern length and maxItems in the schemas. */
const BOUND_LENGTHS = [
  0, 1, 42, 43, 44, 63, 64, 65, 85, 86, 87, 88, 127, 128, 129, 250, 251, 256, 257, 2048, 2049,
];

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u001f',
  '\u007f',
  '\ud800',
  '\udc00x',
  '\uffff',
  '\u202e',
  '😀',
  'é',
  'e\u0301',
  '__proto__',
  'constructor',
  'toString',
  '1.0',
  '2.0',
  'CRITICAL',
  'accept',
  'TM_ERR_X',
  'REVOCATION:',
  '2026-02-30T25:61:61.999Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  'ws://',
  'wss://a b',
];

export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...ODD_STRINGS),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary-ascii', maxLength: 24 }),
);

export const boundNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...BOUND_NUMBERS),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, weighted toward the ones a schema is most likely to confuse. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, [null], { type: 'PING' }),
  oddString,
  boundNumber,
  fc.jsonValue({ maxDepth: 3 }),
);

export type StringEdit =
  | { readonly kind: 'flip'; readonly at: number; readonly text: string }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'affix'; readonly text: string; readonly before: boolean }
  | { readonly kind: 'case' };

export type Mutation =
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly op: 'extra'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly op: 'string'; readonly at: number; readonly edit: StringEdit }
  | { readonly op: 'number'; readonly at: number; readonly value: number }
  | { readonly op: 'borrow'; readonly at: number; readonly from: number }
  | { readonly op: 'nest'; readonly at: number; readonly depth: number; readonly inArray: boolean }
  | { readonly op: 'array'; readonly at: number; readonly edit: 'empty' | 'double' | 'overfill' }
  | { readonly op: 'tweak'; readonly at: number; readonly position: number; readonly delta: number };

const stringEdit: fc.Arbitrary<StringEdit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), text: oddString }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), length: fc.constantFrom(...BOUND_LENGTHS) }),
  fc.record({ kind: fc.constant('affix' as const), text: oddString, before: fc.boolean() }),
  fc.record({ kind: fc.constant('case' as const) }),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: oddValue }),
  fc.record({
    op: fc.constant('extra' as const),
    at: fc.nat(),
    key: fc.oneof(oddString, fc.constantFrom('type', 'signature', 'payload', 'id', 'extra')),
    value: oddValue,
  }),
  fc.record({ op: fc.constant('string' as const), at: fc.nat(), edit: stringEdit }),
  fc.record({ op: fc.constant('number' as const), at: fc.nat(), value: boundNumber }),
  fc.record({ op: fc.constant('borrow' as const), at: fc.nat(), from: fc.nat() }),
  fc.record({
    op: fc.constant('nest' as const),
    at: fc.nat(),
    depth: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(200, 1000)),
    inArray: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('array' as const),
    at: fc.nat(),
    edit: fc.constantFrom('empty' as const, 'double' as const, 'overfill' as const),
  }),
);

/** One place in a JSON value: its container and key (none for the root), and what is there. */
interface Place {
  readonly parent: Container | null;
  readonly key: string | number;
  readonly value: unknown;
}

/**
 * Small edits that usually keep a message schema-valid (one hex digit for another, a letter for a letter, a
 * number moved a little), so the engine's checks behind the schema — signatures, stake, freshness — get reached.
 */
export const tweak: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constant('tweak' as const),
  at: fc.nat(),
  position: fc.nat(),
  delta: fc.oneof(
    fc.integer({ min: 1, max: 15 }),
    fc.constantFrom(60_000, 60_001, 70_000, -60_001, 3_600_000),
  ),
});

/** For handler fuzzing: mostly tweaks, some arbitrary breakage. */
export const handlerMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: tweak, weight: 3 },
  { arbitrary: mutation, weight: 1 },
);

function tweakChar(text: string, position: number, delta: number): string {
  if (text.length === 0) return text;
  const index = position % text.length;
  const code = text.charCodeAt(index);
  const within = (low: string, size: number) => {
    const start = low.charCodeAt(0);
    return code >= start && code < start + size
      ? String.fromCharCode(start + ((code - start + delta) % size))
      : null;
  };
  const hex = /^[0-9a-f]+$/.test(text);
  const next = hex
    ? '0123456789abcdef'[('0123456789abcdef'.indexOf(text[index]!) + delta) % 16]!
    : (within('0', 10) ?? within('a', 26) ?? within('A', 26) ?? text[index]!);
  return text.slice(0, index) + next + text.slice(index + 1);
}

/** Every place in a JSON value, the root first; breadth-first so shallow fields are not crowded out. */
export function placesOf(root: unknown, limit = 1024): Place[] {
  const places: Place[] = [{ parent: null, key: '', value: root }];
  for (let next = 0; next < places.length && places.length < limit; next++) {
    const node = places[next]!.value;
    if (typeof node !== 'object' || node === null) continue;
    const entries: Array<[string | number, unknown]> = Array.isArray(node)
      ? [...node.entries()]
      : Object.entries(node);
    for (const [key, value] of entries) places.push({ parent: node as Container, key, value });
  }
  return places;
}

/** Sets a property the way JSON.parse does: an own property, even for `__proto__`. */
function put(container: Container, key: string | number, value: unknown): void {
  Object.defineProperty(container, key, { value, writable: true, enumerable: true, configurable: true });
}

function editString(text: string, edit: StringEdit): string {
  switch (edit.kind) {
    case 'flip': {
      const position = text.length === 0 ? 0 : edit.at % text.length;
      return text.slice(0, position) + edit.text.slice(0, 2) + text.slice(position + 1);
    }
    case 'truncate':
      return text.slice(0, text.length === 0 ? 0 : edit.at % text.length);
    case 'length':
      return (text.length === 0 ? 'a' : text)
        .repeat(Math.ceil(edit.length / Math.max(1, text.length)))
        .slice(0, edit.length);
    case 'affix':
      return edit.before ? edit.text + text : text + edit.text;
    case 'case':
      return text === text.toUpperCase() ? text.toLowerCase() : text.toUpperCase();
  }
}

/** Deepest nesting a mutation builds: far past the decoder's limit, short of what structuredClone can copy. */
const MAX_FUZZ_DEPTH = 1_200;

/** How deep a value nests along any path (iterative, so a deep value cannot overflow it). */
function maxDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [at, depth] = stack.pop()!;
    if (typeof at !== 'object' || at === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(at as object)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Nests `value` up to `depth` levels more, within what the whole value may still take: the place may already
 * lie deep inside `root`, so the room left is judged by the root.
 */
function nest(value: unknown, depth: number, inArray: boolean, root: unknown): unknown {
  let nested = value;
  const room = Math.max(0, Math.min(depth, MAX_FUZZ_DEPTH - maxDepth(root)));
  for (let level = 0; level < room; level++) nested = inArray ? [nested] : { n: nested };
  return nested;
}

/** Applies mutations to a deep copy of `value`, each at a place chosen among the copy's places at that moment. */
export function mutate(value: unknown, mutations: readonly Mutation[]): unknown {
  let root = structuredClone(value);
  for (const change of mutations) {
    let places = placesOf(root);
    // A tweak only ever changes a leaf; aiming it at containers would waste most of them.
    if (change.op === 'tweak') places = places.filter((place) => typeof place.value !== 'object');
    if (places.length === 0) continue;
    const place = places[change.at % places.length]!;
    const replaced = replacement(places, place.value, change, root);
    if (replaced === KEEP) continue;
    const { parent, key } = place;
    if (parent === null) root = replaced === DELETE ? undefined : replaced;
    else if (replaced !== DELETE) put(parent, key, replaced);
    else if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  }
  return root;
}

const KEEP = Symbol('keep');
const DELETE = Symbol('delete');

function replacement(places: Place[], current: unknown, change: Mutation, root: unknown): unknown {
  switch (change.op) {
    case 'delete':
      return DELETE;
    case 'replace':
      return structuredClone(change.value);
    case 'extra':
      if (typeof current !== 'object' || current === null) return KEEP;
      if (Array.isArray(current)) current.push(structuredClone(change.value));
      else put(current as Container, change.key, structuredClone(change.value));
      return KEEP;
    case 'string':
      return typeof current === 'string' ? editString(current, change.edit) : KEEP;
    case 'number':
      return typeof current === 'number' || typeof current === 'string' ? change.value : KEEP;
    case 'borrow': {
      // A deep value borrowed into a deep place could nest past what structuredClone copies: judged by the root.
      const borrowed = places[change.from % places.length]!.value;
      return maxDepth(borrowed) + maxDepth(root) > MAX_FUZZ_DEPTH ? KEEP : structuredClone(borrowed);
    }
    case 'nest':
      return nest(current, change.depth, change.inArray, root);
    case 'tweak':
      if (typeof current === 'number') return current + (change.delta % 3 === 0 ? -1 : 1) * change.delta;
      return typeof current === 'string' ? tweakChar(current, change.position, change.delta) : KEEP;
    case 'array':
      if (!Array.isArray(current)) return KEEP;
      if (change.edit === 'empty') return [];
      if (change.edit === 'double') return [...current, ...current];
      // One past the largest maxItems of a small-item array; whole objects copied 257 times only cost the fuzzer.
      return Array.from({ length: 257 }, (_, index) => {
        const item = current[index % Math.max(1, current.length)];
        return typeof item === 'object' ? index : (item ?? null);
      });
  }
}

export type TextEdit =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'cut'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicateKey'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'escape'; readonly at: number }
  | { readonly kind: 'frame'; readonly prefix: string; readonly suffix: string }
  | { readonly kind: 'deep'; readonly depth: number; readonly inEvidence: boolean };

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(oddString, fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', '\\u0000', 'null')),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    kind: fc.constant('duplicateKey' as const),
    key: fc.constantFrom('type', 'version', 'id', 'signature', 'origin', '__proto__'),
    value: oddValue,
  }),
  fc.record({ kind: fc.constant('escape' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('frame' as const),
    prefix: fc.constantFrom('', '\ufeff', ' \n\t', '[', 'x'),
    suffix: fc.constantFrom('', ' ', '\n', ']', '}', ',', '\u0000'),
  }),
  // Built as text: JSON.stringify itself overflows the stack on values this deep.
  fc.record({
    kind: fc.constant('deep' as const),
    depth: fc.constantFrom(31, 32, 33, 1000),
    inEvidence: fc.boolean(),
  }),
);

/** Edits the text of a frame; `escape` rewrites one character as its \u escape (the same JSON value). */
export function editText(text: string, edit: TextEdit): string {
  const position = (at: number) => (text.length === 0 ? 0 : at % text.length);
  switch (edit.kind) {
    case 'truncate':
      return text.slice(0, position(edit.at));
    case 'insert':
      return text.slice(0, position(edit.at)) + edit.text + text.slice(position(edit.at));
    case 'cut':
      return text.slice(0, position(edit.at)) + text.slice(position(edit.at) + edit.length);
    case 'duplicateKey':
      return text.startsWith('{')
        ? `{${JSON.stringify(edit.key)}:${JSON.stringify(edit.value) ?? 'null'},${text.slice(1)}`
        : text;
    case 'escape': {
      // Only inside a string value: find a letter between quotes of a "key":"value" pair.
      const match = /":"([A-Za-z0-9])/.exec(text.slice(position(edit.at)));
      if (match === null) return text;
      const index = position(edit.at) + match.index + 3;
      const escaped = `\\u${text.charCodeAt(index).toString(16).padStart(4, '0')}`;
      return text.slice(0, index) + escaped + text.slice(index + 1);
    }
    case 'frame':
      return edit.prefix + text + edit.suffix;
    case 'deep': {
      const deep = '['.repeat(edit.depth) + ']'.repeat(edit.depth);
      if (edit.inEvidence && text.includes('"evidence":['))
        return text.replace('"evidence":[', `"evidence":[{"a":${deep}},`);
      const end = text.lastIndexOf('}');
      return end < 0 ? deep : `${text.slice(0, end)},"deep":${deep}${text.slice(end)}`;
    }
  }
}
