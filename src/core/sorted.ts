// Searching sorted sequences: the one binary search the core and its views share.
// Pure: it reads only what it is given.

/**
 * The first index in [from, to) at which `isBefore` turns false, for a predicate that is true for a prefix of
 * the range and false after it (`to` when it never turns).
 */
export function partitionPoint(from: number, to: number, isBefore: (index: number) => boolean): number {
  let low = from;
  let high = to;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (isBefore(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}
