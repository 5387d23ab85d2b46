// The Merkle summary over block roots: a fixed fan-out tree over heights [0, top] whose node roots let two
// nodes find the blocks in which they differ in one round trip per level, descending only where roots differ.
import type { Crypto } from '../crypto.js';
import { toHex } from '../encoding.js';
import { partitionPoint } from '../sorted.js';
import { emptyBlockRoot, HASH_TAG } from './blocks.js';

/** Children per summary node: 16 gives log16(n) round trips and 16 roots (about 1 KiB) per differing node. */
export const SUMMARY_FAN_OUT = 16;

/** A node of the summary tree: level 0 is one block (index = height); level k covers FAN_OUT^k heights. */
export interface SummaryNode {
  readonly level: number;
  readonly index: number;
}

/** Levels above the blocks needed to cover heights [0, top]: the smallest L with FAN_OUT^L > top. */
export function summaryLevels(top: number): number {
  let levels = 0;
  let span = 1;
  while (span <= top) {
    span *= SUMMARY_FAN_OUT;
    levels++;
  }
  return levels;
}

/** First and last height a node covers, clipped to `top`. */
export function nodeRange(node: SummaryNode, top: number): { from: number; to: number } {
  const span = SUMMARY_FAN_OUT ** node.level;
  const from = node.index * span;
  return { from, to: Math.min(from + span - 1, top) };
}

/** Whether the node exists in the tree over [0, top]: it starts at or before `top` and is below the root. */
export function nodeExists(node: SummaryNode, top: number): boolean {
  if (top < 0 || !Number.isSafeInteger(node.level) || !Number.isSafeInteger(node.index)) return false;
  if (node.level < 0 || node.level > summaryLevels(top) || node.index < 0) return false;
  return node.index * SUMMARY_FAN_OUT ** node.level <= top;
}

/** The existing children of a node (none for a block). */
export function childrenOf(node: SummaryNode, top: number): SummaryNode[] {
  if (node.level === 0) return [];
  const children: SummaryNode[] = [];
  for (let i = 0; i < SUMMARY_FAN_OUT; i++) {
    const child = { level: node.level - 1, index: node.index * SUMMARY_FAN_OUT + i };
    if (!nodeExists(child, top)) break;
    children.push(child);
  }
  return children;
}

/**
 * Roots of a summary over heights [0, top] from the roots of its non-empty blocks. A block root is the
 * block's own root (an absent height has the empty block root); a higher node's root is
 * SHA-256(0x04 ‖ its existing children's roots, 32 raw bytes each, in index order). With top = -1 (no closed
 * block yet) the summary root is the empty block root. Node roots are computed on demand and memoised; a run
 * of empty blocks costs one hash per level, not one per height.
 */
export class MerkleSummary {
  readonly top: number;
  readonly levels: number;
  private readonly heights: Float64Array;
  private readonly roots: ReadonlyMap<number, string>;
  /** Computed node roots by level (index 0 unused: blocks come from `roots`), then by index. */
  private readonly memo: Map<number, string>[] = [];
  private readonly emptyFull: string[];
  private readonly emptyRoot: string;

  constructor(
    private readonly crypto: Crypto,
    blockRoots: ReadonlyMap<number, string>,
    top: number,
    /**
     * A summary over the same block roots up to its own, lower top: the nodes that lie wholly at or below that
     * top have the same roots here, so only the right edge of the tree is hashed again (once an epoch, a new top
     * over 100,000 heights costs ~120 ms to hash from scratch).
     */
    earlier?: MerkleSummary,
  ) {
    this.top = Math.max(-1, Math.floor(top));
    this.levels = summaryLevels(this.top);
    this.roots = blockRoots;
    // A typed array sorts numerically without a comparator call per step (a few ms instead of ~20 at 100,000).
    this.heights = Float64Array.from([...blockRoots.keys()].filter((h) => h >= 0 && h <= this.top)).sort();
    this.emptyRoot = emptyBlockRoot(crypto);
    this.emptyFull = [this.emptyRoot];
    for (let level = 1; level <= this.levels; level++) {
      const child = this.emptyFull[level - 1]!;
      this.emptyFull.push(this.hashChildren(Array.from({ length: SUMMARY_FAN_OUT }, () => child)));
    }
    for (let level = 0; level <= this.levels; level++) this.memo.push(new Map());
    if (earlier !== undefined && earlier.top <= this.top) {
      earlier.memo.forEach((roots, level) => {
        const span = SUMMARY_FAN_OUT ** level;
        for (const [index, root] of roots)
          if ((index + 1) * span - 1 <= earlier.top) this.memo[level]!.set(index, root);
      });
    }
  }

  /** The root of the whole tree: what SYNC_STATUS carries. */
  root(): string {
    return this.top < 0 ? this.emptyRoot : this.computeRoot(this.rootNode());
  }

  rootNode(): SummaryNode {
    return { level: this.levels, index: 0 };
  }

  /** Hex root of an existing node; null for a node outside the tree. */
  nodeRoot(node: SummaryNode): string | null {
    if (!nodeExists(node, this.top)) return null;
    return this.computeRoot(node);
  }

  private computeRoot(node: SummaryNode): string {
    if (node.level === 0) return this.roots.get(node.index) ?? this.emptyRoot;
    const { from, to } = nodeRange(node, this.top);
    const full = to - from + 1 === SUMMARY_FAN_OUT ** node.level;
    if (full && !this.hasBlockIn(from, to)) return this.emptyFull[node.level]!;
    const memo = this.memo[node.level]!;
    const held = memo.get(node.index);
    if (held !== undefined) return held;
    const root = this.hashChildren(childrenOf(node, this.top).map((child) => this.computeRoot(child)));
    memo.set(node.index, root);
    return root;
  }

  /** Children's hex roots are written straight into the hashed bytes (a parsed copy of each cost more than the hash). */
  private hashChildren(children: readonly string[]): string {
    const bytes = Buffer.allocUnsafe(1 + 32 * children.length);
    bytes[0] = HASH_TAG.summary;
    children.forEach((child, i) => {
      // Roots here are this node's own hashes; anything else is a bug upstream, not input to tolerate.
      if (child.length !== 64 || bytes.write(child, 1 + 32 * i, 32, 'hex') !== 32)
        throw new Error(`not a root: ${child}`);
    });
    return toHex(this.crypto.sha256(bytes));
  }

  /** Whether some non-empty block lies in [from, to] (binary search over the sorted heights). */
  private hasBlockIn(from: number, to: number): boolean {
    const { heights } = this;
    const first = partitionPoint(0, heights.length, (index) => heights[index]! < from);
    return first < heights.length && heights[first]! <= to;
  }
}
