// The receiving side of a block transfer: checks each SYNC_BLOCK page against the block root the summary
// gave, in order and without gaps, and on the last page the part's Merkle root over everything received.
import type { Crypto } from '../crypto.js';
import { fromHex, toHex } from '../encoding.js';
import type { LedgerEntry, SyncBlock } from '../messages/schemas.js';
import { accept, type Outcome, reject } from '../outcome.js';
import {
  type BlockPart,
  blockHeightOf,
  combineBlockRoot,
  compareEntries,
  type EpochClock,
  leafHash,
  merkleRoot,
  partOf,
} from './blocks.js';

/**
 * Assembles one part of one block from its pages. `accept` returns the page's entries, which the caller then
 * verifies one by one like any imported entry (signatures, stake table at their time) and may apply at once:
 * each entry stands on its own signatures, while the root only proves the peer left nothing out. A failure
 * is the peer's fault (reject): drop the transfer, report it to the planner, fetch the part elsewhere.
 */
export class PartAssembler {
  private readonly leaves: Uint8Array[] = [];
  private last: LedgerEntry | null = null;
  private claimed: { root: string; count: number } | null = null;
  private finished = false;

  constructor(
    private readonly crypto: Crypto,
    private readonly epochs: EpochClock,
    readonly height: number,
    /** The block root this node was given for the height (a SYNC_ROOTS answer at level 0). */
    readonly root: string,
    readonly part: BlockPart,
  ) {}

  /** The offset to ask for next (0 first). */
  get offset(): number {
    return this.leaves.length;
  }

  get complete(): boolean {
    return this.finished;
  }

  /** Once complete: the part's root and size, which every entry received was checked against. */
  get proved(): { readonly root: string; readonly count: number } | null {
    return this.finished ? this.claimed : null;
  }

  accept(page: SyncBlock): Outcome<readonly LedgerEntry[]> {
    if (this.finished) return reject('TM_ERR_SYNC_ANSWER_INVALID', 'part already complete');
    if (page.height !== this.height || page.part !== this.part || page.offset !== this.offset)
      return reject('TM_ERR_SYNC_ANSWER_INVALID', 'not the page asked for');
    const critical = fromHex(page.criticalRoot, 32);
    const commits = fromHex(page.commitRoot, 32);
    if (critical === null || commits === null || page.root !== this.root)
      return reject('TM_ERR_SYNC_ROOT_MISMATCH', 'another block root');
    if (toHex(combineBlockRoot(this.crypto, critical, commits)) !== page.root)
      return reject('TM_ERR_SYNC_ROOT_MISMATCH', 'part roots do not make the block root');
    const claimed = {
      root: this.part === 'critical' ? page.criticalRoot : page.commitRoot,
      count: this.part === 'critical' ? page.criticalCount : page.commitCount,
    };
    if (this.claimed === null) this.claimed = claimed;
    else if (this.claimed.root !== claimed.root || this.claimed.count !== claimed.count)
      return reject('TM_ERR_SYNC_ROOT_MISMATCH', 'the part changed mid-transfer');
    const end = page.offset + page.entries.length;
    const expectedNext = end < claimed.count ? end : undefined;
    if (
      end > claimed.count ||
      page.next !== expectedNext ||
      (page.entries.length === 0 && end < claimed.count)
    )
      return reject('TM_ERR_SYNC_ANSWER_INVALID', 'page bounds do not add up');
    for (const entry of page.entries) {
      if (blockHeightOf(this.epochs, entry) !== this.height || partOf(entry) !== this.part)
        return reject('TM_ERR_SYNC_ANSWER_INVALID', 'an entry of another block or part');
      if (this.last !== null && compareEntries(this.last, entry) >= 0)
        return reject('TM_ERR_SYNC_ANSWER_INVALID', 'entries out of block order');
      this.last = entry;
    }
    for (const entry of page.entries) this.leaves.push(leafHash(this.crypto, entry));
    if (expectedNext === undefined) {
      if (toHex(merkleRoot(this.crypto, this.leaves)) !== claimed.root)
        return reject('TM_ERR_SYNC_ROOT_MISMATCH', 'entries do not match the part root');
      this.finished = true;
    }
    return accept(page.entries);
  }
}
