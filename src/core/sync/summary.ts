// The Merkle summary over block roots: a fixed fan-out tree over heights [0, top] whose node roots let two
// nodes find the blocks in which they differ in one round trip per level, descending only where roots differ.
import type { Crypto } from '../crypto.js';
import { fromHex, toHex } from '../encoding.js';
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
  private readonly heights: number[];
  private readonly roots: ReadonlyMap<number, string>;
  private readonly memo = new Map<string, string>();
  private readonly emptyFull: string[];
  private readonly emptyRoot: string;

  constructor(
    private readonly crypto: Crypto,
    blockRoots: ReadonlyMap<number, string>,
    top: number,
  ) {
    this.top = Math.max(-1, Math.floor(top));
    this.levels = summaryLevels(this.top);
    this.roots = blockRoots;
    this.heights = [...blockRoots.keys()].filter((h) => h >= 0 && h <= this.top).sort((a, b) => a - b);
    this.emptyRoot = emptyBlockRoot(crypto);
    this.emptyFull = [this.emptyRoot];
    for (let level = 1; level <= this.levels; level++) {
      const child = fromHex(this.emptyFull[level - 1]!, 32)!;
      this.emptyFull.push(this.hashChildren(Array.from({ length: SUMMARY_FAN_OUT }, () => child)));
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
    const key = `${node.level}:${node.index}`;
    const held = this.memo.get(key);
    if (held !== undefined) return held;
    const children = childrenOf(node, this.top).map((child) => fromHex(this.computeRoot(child), 32)!);
    const root = this.hashChildren(children);
    this.memo.set(key, root);
    return root;
  }

  private hashChildren(children: readonly Uint8Array[]): string {
    const bytes = new Uint8Array(1 + 32 * children.length);
    bytes[0] = HASH_TAG.summary;
    children.forEach((child, i) => {
      bytes.set(child, 1 + 32 * i);
    });
    return toHex(this.crypto.sha256(bytes));
  }

  /** Whether some non-empty block lies in [from, to] (binary search over the sorted heights). */
  private hasBlockIn(from: number, to: number): boolean {
    let low = 0;
    let high = this.heights.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.heights[mid]! < from) low = mid + 1;
      else high = mid;
    }
    return low < this.heights.length && this.heights[low]! <= to;
  }
}
