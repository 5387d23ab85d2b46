// Kademlia ids as the routing table sees them: 256-bit node ids (hex SHA-256 of the key), XOR distance, bucket
// index by shared prefix, and ids inside a bucket's range built from randomness the shell passes in.

export const ID_BITS = 256;
const ID_BYTES = ID_BITS / 8;
const HEX_ID = /^[0-9a-f]{64}$/;

export function isNodeId(text: string): boolean {
  return HEX_ID.test(text);
}

function bytesOf(id: string): Uint8Array {
  const bytes = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) bytes[i] = Number.parseInt(id.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function hexOf(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

/** XOR distance of two ids as hex: comparing the hex strings orders distances. */
export function distance(a: string, b: string): string {
  let text = '';
  // 8 hex digits (32 bits) at a time fit a safe integer XOR.
  for (let i = 0; i < 64; i += 8) {
    const x = (Number.parseInt(a.slice(i, i + 8), 16) ^ Number.parseInt(b.slice(i, i + 8), 16)) >>> 0;
    text += x.toString(16).padStart(8, '0');
  }
  return text;
}

/** Negative when `a` is closer to `target` than `b`, positive when farther, 0 when the same id. */
export function compareDistance(target: string, a: string, b: string): number {
  const da = distance(a, target);
  const db = distance(b, target);
  return da < db ? -1 : da > db ? 1 : 0;
}

/** Sorts items by the XOR distance of their id to `target`, closest first (distances computed once each). */
export function closestFirst<T>(target: string, items: readonly T[], idOf: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, d: distance(idOf(item), target) }))
    .sort((x, y) => (x.d < y.d ? -1 : x.d > y.d ? 1 : 0))
    .map(({ item }) => item);
}

/**
 * The bucket an id falls in, seen from `self`: the number of leading bits they share (0: differs in the first
 * bit, the half of the id space farthest away; 255: differs only in the last). `self` itself has none (-1).
 */
export function bucketIndex(self: string, id: string): number {
  const d = distance(self, id);
  for (let i = 0; i < 64; i++) {
    const nibble = Number.parseInt(d[i]!, 16);
    if (nibble !== 0) return i * 4 + (Math.clz32(nibble) - 28);
  }
  return -1;
}

/**
 * An id in bucket `index` of `self`: the first `index` bits of `self`, then the opposite bit, then the bits of
 * `random` (32 bytes from the shell). Looking it up fills that bucket.
 */
export function idInBucket(self: string, index: number, random: Uint8Array): string {
  if (!Number.isInteger(index) || index < 0 || index >= ID_BITS) throw new RangeError(`bucket ${index}`);
  if (random.length < ID_BYTES) throw new RangeError('need 32 random bytes');
  const own = bytesOf(self);
  const out = new Uint8Array(ID_BYTES);
  for (let bit = 0; bit < ID_BITS; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    let value: number;
    if (bit < index) value = own[byte]! & mask;
    else if (bit === index) value = ~own[byte]! & mask;
    else value = random[byte]! & mask;
    out[byte]! |= value;
  }
  return hexOf(out);
}
