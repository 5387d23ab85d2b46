// An in-memory index of blocks over ledger entries: block roots kept per height, summaries cached per top.
// It serves SyncLedgerView for tests and small nodes; a store may implement the view over its own tables.
import type { Crypto } from '../crypto.js';
import type { LedgerEntry } from '../messages/schemas.js';
import type { Clock } from '../time.js';
import type { SyncLedgerView } from './answer.js';
import {
  type BlockPart,
  type BlockRoots,
  blockHeightOf,
  blockRoots,
  canonicalBlock,
  type EpochClock,
  latestHeight,
  partEntries,
} from './blocks.js';
import { MerkleSummary } from './summary.js';

export class BlockIndex implements SyncLedgerView {
  private readonly blocks = new Map<number, LedgerEntry[]>();
  private readonly canonical = new Map<number, { entries: LedgerEntry[]; roots: BlockRoots }>();
  private readonly summaries = new Map<number, MerkleSummary>();
  private count = 0;
  state: 'syncing' | 'synced' = 'synced';

  constructor(
    private readonly crypto: Crypto,
    private readonly epochs: EpochClock,
    private readonly clock: Clock,
    /** How long after its epoch ends a block counts as closed (e.g. 2 × clockSkewMs). */
    private readonly graceMs: number,
  ) {}

  /** Adds an entry (already verified and stored by the caller); false when its timestamp is not a date. */
  add(entry: LedgerEntry): boolean {
    const height = blockHeightOf(this.epochs, entry);
    if (height === null) return false;
    let block = this.blocks.get(height);
    if (block === undefined) {
      block = [];
      this.blocks.set(height, block);
    }
    block.push(entry);
    this.count++;
    this.canonical.delete(height);
    for (const top of this.summaries.keys()) if (top >= height) this.summaries.delete(top);
    return true;
  }

  /** Entries of one block in block order (one per ledger key). */
  block(height: number): readonly LedgerEntry[] {
    return this.canonicalOf(height).entries;
  }

  private canonicalOf(height: number): { entries: LedgerEntry[]; roots: BlockRoots } {
    let held = this.canonical.get(height);
    if (held === undefined) {
      const entries = canonicalBlock(this.blocks.get(height) ?? []);
      held = { entries, roots: blockRoots(this.crypto, entries) };
      if (entries.length > 0) this.canonical.set(height, held);
    }
    return held;
  }

  latestHeight(): number {
    return latestHeight(this.epochs, this.clock.now(), this.graceMs);
  }

  /** Roots of the non-empty blocks up to `top`. */
  blockRootMap(top: number): Map<number, string> {
    const roots = new Map<number, string>();
    for (const height of this.blocks.keys()) {
      if (height <= top) roots.set(height, this.canonicalOf(height).roots.root);
    }
    return roots;
  }

  summary(top: number): MerkleSummary {
    let summary = this.summaries.get(top);
    if (summary === undefined) {
      summary = new MerkleSummary(this.crypto, this.blockRootMap(top), top);
      this.summaries.set(top, summary);
    }
    return summary;
  }

  blockRoots(height: number): BlockRoots {
    return this.canonicalOf(height).roots;
  }

  partEntries(height: number, part: BlockPart, offset: number, limit: number): readonly LedgerEntry[] {
    return partEntries(this.canonicalOf(height).entries, part).slice(offset, offset + limit);
  }

  entryCount(): number {
    return this.count;
  }

  syncState(): 'syncing' | 'synced' {
    return this.state;
  }
}
