// Node sync owns catch-up and anti-entropy over the network: serving SYNC_* from the store, fetching what differs.
// This file: the SyncLedgerView over the node's SQLite store, with block roots and summaries cached in memory.
import type { Crypto } from '../../core/crypto.js';
import type { LedgerEntry } from '../../core/messages/schemas.js';
import { partitionPoint } from '../../core/sorted.js';
import type { SyncLedgerView } from '../../core/sync/answer.js';
import {
  type BlockPart,
  type BlockRoots,
  blockHeightOf,
  blockRoots,
  blockRootsOfKnown,
  canonicalBlock,
  type EpochClock,
  heightAt,
  type KnownParts,
  latestHeight,
  partEntries,
} from '../../core/sync/blocks.js';
import { MerkleSummary } from '../../core/sync/summary.js';
import type { Clock } from '../../core/time.js';
import type { NodeStore } from '../../store/interface.js';
import type { SyncTables } from '../../store/sync-tables.js';

/** Whole blocks kept parsed for paging (a part is served a page at a time, so the same block is asked again). */
const BLOCKS_KEPT = 8;
/**
 * Summaries kept, newest tops: peers ask for the latest closed height, and one summary at 50,000 heights holds
 * about 2 MB, so one per epoch since the node started would grow without bound.
 */
const SUMMARIES_KEPT = 2;

/** Taken before sync imports a checked part into a part known to be empty (see StoreSyncView.beforeImport). */
export interface ImportMark {
  readonly height: number;
  readonly part: BlockPart;
  readonly known: KnownParts;
  readonly size: number;
  readonly resets: number;
}

/**
 * Block roots are computed from the store on demand and kept until a block changes. Changes are found by
 * reading the rows stored since the last look (seq), so every writer (engine, light lookup, sync) is covered
 * without hooks; a replacement or an eviction (rows gone) drops every cached root.
 */
export class StoreSyncView implements SyncLedgerView {
  private readonly roots = new Map<number, BlockRoots>();
  private readonly blocks = new Map<number, LedgerEntry[]>();
  private readonly summaries = new Map<number, MerkleSummary>();
  /** Blocks whose parts sync imported whole into empty parts: their roots are the ones the transfers proved. */
  private readonly adopted = new Map<number, KnownParts>();
  private resets = 0;
  private heights: Set<number> | null = null;
  /** Heights whose roots are not cached, ascending from `next`: what warm() has left to compute. */
  private unwarmed: number[] = [];
  private unwarmedSet = new Set<number>();
  private next = 0;
  private seenSeq = -1;
  private seenSize = 0;
  state: 'syncing' | 'synced' = 'syncing';

  constructor(
    private readonly crypto: Crypto,
    private readonly store: NodeStore,
    private readonly tables: SyncTables,
    private readonly epochs: EpochClock,
    private readonly clock: Clock,
    /** How long after its epoch a block counts as closed. */
    readonly graceMs: number,
  ) {}

  /**
   * Brings the caches in line with the store: called before every read. Returns the rows stored since the last
   * look, or null when the caches were dropped instead (first look, or rows gone).
   */
  private refresh(): ReadonlyArray<{ atMs: number }> | null {
    const seq = this.store.latestSeq();
    if (seq === this.seenSeq) return [];
    const size = this.store.size();
    const fresh = this.seenSeq < 0 ? [] : this.tables.instantsSince(this.seenSeq);
    const dropped = this.seenSeq < 0 || this.heights === null || size !== this.seenSize + fresh.length;
    if (dropped) this.reset();
    else for (const { atMs } of fresh) this.changed(heightAt(this.epochs, atMs));
    this.seenSeq = seq;
    this.seenSize = size;
    return dropped ? null : fresh;
  }

  private reset(): void {
    this.resets++;
    this.adopted.clear();
    this.roots.clear();
    this.blocks.clear();
    this.summaries.clear();
    this.heights = new Set();
    for (const { atMs } of this.tables.instantsSince(0)) this.heights.add(heightAt(this.epochs, atMs));
    this.unwarmedSet = new Set(this.heights);
    this.unwarmed = [...this.heights].sort((a, b) => a - b);
    this.next = 0;
  }

  private changed(height: number): void {
    this.heights!.add(height);
    this.roots.delete(height);
    this.adopted.delete(height);
    this.blocks.delete(height);
    for (const top of this.summaries.keys()) if (top >= height) this.summaries.delete(top);
    if (this.unwarmedSet.has(height)) return;
    this.unwarmedSet.add(height);
    // New entries land in the latest block, so this is almost always an append; an old block changes when sync
    // imports into it.
    const last = this.unwarmed.length > this.next ? this.unwarmed[this.unwarmed.length - 1]! : -1;
    if (height > last) this.unwarmed.push(height);
    else {
      const unwarmed = this.unwarmed;
      const at = partitionPoint(this.next, unwarmed.length, (index) => unwarmed[index]! < height);
      unwarmed.splice(at, 0, height);
    }
  }

  /** A block's entries in canonical order; kept for paging only when asked (summaries read every block once). */
  private block(height: number, keep = true): LedgerEntry[] {
    let block = this.blocks.get(height);
    if (block === undefined) {
      const { genesisTime, epochMs } = this.epochs;
      const from = height === 0 ? Number.NEGATIVE_INFINITY : genesisTime + height * epochMs;
      const rows = this.tables.entriesBetween(from, genesisTime + (height + 1) * epochMs);
      block = canonicalBlock(rows.filter((entry) => blockHeightOf(this.epochs, entry) === height));
      if (!keep) return block;
      if (this.blocks.size >= BLOCKS_KEPT) this.blocks.delete(this.blocks.keys().next().value!);
      this.blocks.set(height, block);
    }
    return block;
  }

  latestHeight(): number {
    return latestHeight(this.epochs, this.clock.now(), this.graceMs);
  }

  blockRoots(height: number): BlockRoots {
    this.refresh();
    return this.rootsOf(height);
  }

  private rootsOf(height: number, keepBlock = true): BlockRoots {
    let roots = this.roots.get(height);
    if (roots === undefined) {
      const adopted = this.adopted.get(height);
      roots =
        adopted === undefined
          ? blockRoots(this.crypto, this.block(height, keepBlock))
          : blockRootsOfKnown(this.crypto, adopted);
      this.adopted.delete(height);
      this.roots.set(height, roots);
    }
    return roots;
  }

  /**
   * Before sync imports a checked part: a mark when that part is known to hold nothing here (its height has no
   * entries, or its block's roots or adopted parts say so), else null. See adoptPart.
   */
  beforeImport(height: number, part: BlockPart): ImportMark | null {
    this.refresh();
    const known = this.knownParts(height);
    if (known === null || known[part] !== undefined) return null;
    return { height, part, known, size: this.store.size(), resets: this.resets };
  }

  /**
   * After the import, in the same synchronous stretch as beforeImport: when exactly the part's `count` entries
   * were stored since, all in its block, and none removed, every entry of the part is stored into a part that
   * was empty, so the part here is the part proved by `root`, and its block's roots need not be read back and
   * hashed again (a join would otherwise hash every entry twice). Anything less (a duplicate or replaced key)
   * leaves the roots to be computed.
   */
  adoptPart(mark: ImportMark, root: string, count: number): void {
    const fresh = this.refresh();
    if (fresh === null || this.resets !== mark.resets || fresh.length !== count) return;
    if (this.store.size() - mark.size !== count) return;
    if (!fresh.every(({ atMs }) => heightAt(this.epochs, atMs) === mark.height)) return;
    this.adopted.set(mark.height, { ...mark.known, [mark.part]: { root, count } });
  }

  /** What is known of a block's parts without reading it, or null. */
  private knownParts(height: number): KnownParts | null {
    if (!this.heights!.has(height)) return {};
    const adopted = this.adopted.get(height);
    if (adopted !== undefined) return adopted;
    const roots = this.roots.get(height);
    if (roots === undefined) return null;
    const known: { -readonly [P in BlockPart]?: { root: string; count: number } } = {};
    if (roots.criticalCount > 0) known.critical = { root: roots.criticalRoot, count: roots.criticalCount };
    if (roots.commitCount > 0) known.commits = { root: roots.commitRoot, count: roots.commitCount };
    return known;
  }

  summary(top: number): MerkleSummary {
    this.refresh();
    let summary = this.summaries.get(top);
    if (summary === undefined) {
      const map = new Map<number, string>();
      for (const height of this.heights!)
        if (height <= top) map.set(height, this.rootsOf(height, false).root);
      // Any summary still cached is over unchanged blocks (changed() drops those it covers): the newest below
      // `top` lends its hashed nodes.
      const below = [...this.summaries.keys()].filter((kept) => kept < top);
      const earlier = below.length > 0 ? this.summaries.get(Math.max(...below)) : undefined;
      summary = new MerkleSummary(this.crypto, map, top, earlier);
      for (const older of [...this.summaries.keys()].sort((a, b) => a - b).slice(0, 1 - SUMMARIES_KEPT))
        this.summaries.delete(older);
      this.summaries.set(top, summary);
    }
    return summary;
  }

  /** Whether the summary of the closed blocks (what a SYNC_STATUS answer carries) is cached, with its root. */
  isWarm(): boolean {
    this.refresh();
    const top = this.latestHeight();
    return top < 0 || this.summaries.has(top);
  }

  /**
   * Computes the roots of uncached closed blocks, oldest first, then their summary and its root, checking
   * `deadline` (by `now`) between blocks: true once it is all cached. At least one block is computed per call, so
   * slices make progress however large the ledger; a block is indivisible (tens of milliseconds for 1,000
   * entries). Run between other work (RootWarmer), it spares the first summary request after a restart or a
   * bulk import from computing every root at once (26 µs an entry here: seconds at 100,000 entries). A request
   * that comes before warming is done still computes what is missing itself.
   */
  warm(now: () => number, deadline: number): boolean {
    if (this.isWarm()) return true;
    const top = this.latestHeight();
    while (this.next < this.unwarmed.length && this.unwarmed[this.next]! <= top) {
      const height = this.unwarmed[this.next]!;
      // A root a request already computed costs nothing here, so only computed blocks spend the slice.
      const computed = !this.roots.has(height);
      if (computed) this.rootsOf(height, false);
      // Taken off the queue only once computed: after a store failure the next slice tries it again.
      this.next++;
      this.unwarmedSet.delete(height);
      if (computed && now() >= deadline) {
        this.compactUnwarmed();
        return false;
      }
    }
    this.compactUnwarmed();
    this.summary(top).root();
    return true;
  }

  /** Drops the computed prefix once it is most of the array, so the queue's memory follows what is left. */
  private compactUnwarmed(): void {
    if (this.next > 1_024 && this.next * 2 > this.unwarmed.length) {
      this.unwarmed = this.unwarmed.slice(this.next);
      this.next = 0;
    }
  }

  partEntries(height: number, part: BlockPart, offset: number, limit: number): readonly LedgerEntry[] {
    this.refresh();
    return partEntries(this.block(height), part).slice(offset, offset + limit);
  }

  entryCount(): number {
    return this.store.size();
  }

  syncState(): 'syncing' | 'synced' {
    return this.state;
  }
}
