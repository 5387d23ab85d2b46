// Node sync owns catch-up and anti-entropy over the network: serving SYNC_* from the store, fetching what differs.
// This file: the SyncLedgerView over the node's SQLite store, with block roots and summaries cached in memory.
import type { Crypto } from '../../core/crypto.js';
import type { LedgerEntry } from '../../core/messages/schemas.js';
import type { SyncLedgerView } from '../../core/sync/answer.js';
import {
  type BlockPart,
  type BlockRoots,
  blockHeightOf,
  blockRoots,
  canonicalBlock,
  type EpochClock,
  heightAt,
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
 * Block roots are computed from the store on demand and kept until a block changes. Changes are found by
 * reading the rows stored since the last look (seq), so every writer (engine, light lookup, sync) is covered
 * without hooks; a replacement or an eviction (rows gone) drops every cached root.
 */
export class StoreSyncView implements SyncLedgerView {
  private readonly roots = new Map<number, BlockRoots>();
  private readonly blocks = new Map<number, LedgerEntry[]>();
  private readonly summaries = new Map<number, MerkleSummary>();
  private heights: Set<number> | null = null;
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

  /** Brings the caches in line with the store: called before every read. */
  private refresh(): void {
    const seq = this.store.latestSeq();
    if (seq === this.seenSeq) return;
    const size = this.store.size();
    const fresh = this.seenSeq < 0 ? [] : this.tables.instantsSince(this.seenSeq);
    if (this.seenSeq < 0 || this.heights === null || size !== this.seenSize + fresh.length) {
      this.reset();
    } else {
      for (const { atMs } of fresh) this.changed(heightAt(this.epochs, atMs));
    }
    this.seenSeq = seq;
    this.seenSize = size;
  }

  private reset(): void {
    this.roots.clear();
    this.blocks.clear();
    this.summaries.clear();
    this.heights = new Set();
    for (const { atMs } of this.tables.instantsSince(0)) this.heights.add(heightAt(this.epochs, atMs));
  }

  private changed(height: number): void {
    this.heights!.add(height);
    this.roots.delete(height);
    this.blocks.delete(height);
    for (const top of this.summaries.keys()) if (top >= height) this.summaries.delete(top);
  }

  private block(height: number): LedgerEntry[] {
    let block = this.blocks.get(height);
    if (block === undefined) {
      const { genesisTime, epochMs } = this.epochs;
      const from = height === 0 ? Number.NEGATIVE_INFINITY : genesisTime + height * epochMs;
      const rows = this.tables.entriesBetween(from, genesisTime + (height + 1) * epochMs);
      block = canonicalBlock(rows.filter((entry) => blockHeightOf(this.epochs, entry) === height));
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

  private rootsOf(height: number): BlockRoots {
    let roots = this.roots.get(height);
    if (roots === undefined) {
      roots = blockRoots(this.crypto, this.block(height));
      this.roots.set(height, roots);
    }
    return roots;
  }

  summary(top: number): MerkleSummary {
    this.refresh();
    let summary = this.summaries.get(top);
    if (summary === undefined) {
      const map = new Map<number, string>();
      for (const height of this.heights!) if (height <= top) map.set(height, this.rootsOf(height).root);
      summary = new MerkleSummary(this.crypto, map, top);
      this.summaries.set(top, summary);
    }
    return summary;
  }

  /**
   * Computes what a summary of the closed blocks needs and is not cached, oldest block first, until `deadline`
   * (by `now`) passes: true once it is all cached. Run in slices between other work (RootWarmer), it keeps a
   * request from paying for every block at once — 26 µs an entry here, seconds for a ledger of 100,000 entries.
   */
  warm(now: () => number, deadline: number): boolean {
    this.refresh();
    const top = this.latestHeight();
    if (top < 0 || this.summaries.has(top)) return true;
    const missing = [...this.heights!].filter((height) => height <= top && !this.roots.has(height));
    for (const height of missing.sort((a, b) => a - b)) {
      if (now() >= deadline) return false;
      this.rootsOf(height);
    }
    if (now() >= deadline) return false;
    this.summary(top);
    return true;
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
