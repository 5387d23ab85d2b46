// Sync owns catch-up and anti-entropy as pure protocol: blocks (epochs of ledger entries), Merkle roots,
// summaries over block roots, the download planner and the serving side. This file: blocks and their roots.
import type { Crypto } from '../crypto.js';
import { fromHex, toHex, utf8 } from '../encoding.js';
import { ledgerKey, supersedes } from '../ledger.js';
import type { LedgerEntry } from '../messages/schemas.js';
import { canonicalJson } from '../signing.js';
import { compareOrder, type OrderKey, parseTimestamp } from '../time.js';

/** The epoch clock of a network (its network file's genesisTime and epochMs). */
export interface EpochClock {
  readonly genesisTime: number;
  readonly epochMs: number;
}

/** First byte of every hashed sync structure, so a leaf can never pass for an inner node or a block root. */
export const HASH_TAG = { leaf: 0x00, inner: 0x01, emptyPart: 0x02, block: 0x03, summary: 0x04 } as const;

/** The two parts of a block, fetched and verified separately: critical events first, then commits. */
export type BlockPart = 'critical' | 'commits';
export const BLOCK_PARTS: readonly BlockPart[] = ['critical', 'commits'];

/**
 * The order key of an entry: a commit is ordered (and placed in a block) by its update, as trust records order
 * it; every other entry by itself. Null only for a timestamp with an impossible calendar date.
 */
export function entryOrder(entry: LedgerEntry): OrderKey | null {
  const source = entry.type === 'COMMIT' ? entry.update : entry;
  const at = parseTimestamp(source.timestamp);
  return at === null ? null : { at, id: source.id, origin: source.origin };
}

/** Block height of an instant. Instants before genesis belong to block 0: such entries are valid, just early. */
export function heightAt(clock: EpochClock, atMs: number): number {
  if (atMs < clock.genesisTime) return 0;
  return Math.floor((atMs - clock.genesisTime) / clock.epochMs);
}

/** Block height of an entry; null when its timestamp is not a real date (schema-valid input can still be). */
export function blockHeightOf(clock: EpochClock, entry: LedgerEntry): number | null {
  const order = entryOrder(entry);
  return order === null ? null : heightAt(clock, order.at);
}

/**
 * The newest block that is closed: its epoch ended more than `graceMs` before `now`, so late copies of its
 * entries have had time to arrive. -1 when no block is closed yet. Newer entries belong to live gossip.
 */
export function latestHeight(clock: EpochClock, now: number, graceMs: number): number {
  const closedBefore = now - graceMs;
  if (closedBefore < clock.genesisTime + clock.epochMs) return -1;
  return Math.floor((closedBefore - clock.genesisTime) / clock.epochMs) - 1;
}

/** A peer's clock may run ahead of ours by the allowed skew; a claimed height beyond that is impossible. */
export function maxPlausibleHeight(
  clock: EpochClock,
  now: number,
  graceMs: number,
  clockSkewMs: number,
): number {
  return latestHeight(clock, now + clockSkewMs, graceMs);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Block order: (timestamp, id, origin) of the entry's order key, then ledger key (one entry per key). */
export function compareEntries(a: LedgerEntry, b: LedgerEntry): number {
  const orderA = entryOrder(a);
  const orderB = entryOrder(b);
  if (orderA === null || orderB === null) return orderA === null ? (orderB === null ? 0 : 1) : -1;
  return compareOrder(orderA, orderB) || compareText(ledgerKey(a), ledgerKey(b));
}

/**
 * The entries of one block as every node holds them: one entry per ledger key (the one `supersedes` prefers,
 * as the ledger keeps it), in block order. Entries with an impossible timestamp are left out.
 */
export function canonicalBlock(entries: Iterable<LedgerEntry>): LedgerEntry[] {
  const byKey = new Map<string, { entry: LedgerEntry; order: OrderKey; key: string }>();
  for (const entry of entries) {
    const order = entryOrder(entry);
    if (order === null) continue;
    const key = ledgerKey(entry);
    const held = byKey.get(key);
    if (held === undefined || supersedes(entry, held.entry)) byKey.set(key, { entry, order, key });
  }
  // Each entry's order key is read once here, not once per comparison: a block of n entries sorts in n log n.
  return [...byKey.values()]
    .sort((a, b) => compareOrder(a.order, b.order) || compareText(a.key, b.key))
    .map(({ entry }) => entry);
}

export const partOf = (entry: LedgerEntry): BlockPart => (entry.type === 'COMMIT' ? 'commits' : 'critical');

/** The entries of one part, in block order (input already in block order). */
export function partEntries(block: readonly LedgerEntry[], part: BlockPart): LedgerEntry[] {
  return block.filter((entry) => partOf(entry) === part);
}

function tagged(tag: number, ...chunks: Uint8Array[]): Uint8Array {
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 1);
  const bytes = new Uint8Array(length);
  bytes[0] = tag;
  let offset = 1;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** The bytes a leaf hashes: tag 0x00, then the UTF-8 RFC 8785 canonical JSON of the whole entry. */
export function leafBytes(entry: LedgerEntry): Uint8Array {
  return tagged(HASH_TAG.leaf, utf8(canonicalJson(entry)));
}

export function leafHash(crypto: Crypto, entry: LedgerEntry): Uint8Array {
  return crypto.sha256(leafBytes(entry));
}

/** Root of a part with no entries: SHA-256 of the single byte 0x02. */
export function emptyPartRoot(crypto: Crypto): Uint8Array {
  return crypto.sha256(Uint8Array.of(HASH_TAG.emptyPart));
}

/**
 * Merkle root over leaf hashes: pairs are hashed as SHA-256(0x01 ‖ left ‖ right), level by level; an odd last
 * node is carried up unchanged (never paired with itself, so no two leaf lists share a root). One leaf is its
 * own root; none gives the empty part root.
 */
export function merkleRoot(crypto: Crypto, leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return emptyPartRoot(crypto);
  let level = [...leaves];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2)
      next.push(crypto.sha256(tagged(HASH_TAG.inner, level[i]!, level[i + 1]!)));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** Root of one part of a block (entries in block order). */
export function partRoot(crypto: Crypto, entries: readonly LedgerEntry[]): Uint8Array {
  return merkleRoot(
    crypto,
    entries.map((entry) => leafHash(crypto, entry)),
  );
}

/** A block root binds both part roots: SHA-256(0x03 ‖ criticalRoot ‖ commitRoot). */
export function combineBlockRoot(
  crypto: Crypto,
  criticalRoot: Uint8Array,
  commitRoot: Uint8Array,
): Uint8Array {
  return crypto.sha256(tagged(HASH_TAG.block, criticalRoot, commitRoot));
}

export interface BlockRoots {
  /** Hex block root. */
  readonly root: string;
  readonly criticalRoot: string;
  readonly commitRoot: string;
  readonly criticalCount: number;
  readonly commitCount: number;
}

/** Roots of a block from its entries in any order and with duplicates (canonicalBlock is applied first). */
export function blockRoots(crypto: Crypto, entries: Iterable<LedgerEntry>): BlockRoots {
  const block = canonicalBlock(entries);
  const critical = partEntries(block, 'critical');
  const commits = partEntries(block, 'commits');
  const criticalRoot = partRoot(crypto, critical);
  const commitRoot = partRoot(crypto, commits);
  return {
    root: toHex(combineBlockRoot(crypto, criticalRoot, commitRoot)),
    criticalRoot: toHex(criticalRoot),
    commitRoot: toHex(commitRoot),
    criticalCount: critical.length,
    commitCount: commits.length,
  };
}

/** A block's parts known by their verified roots without their entries; a part left out holds no entries. */
export type KnownParts = Partial<Record<BlockPart, { readonly root: string; readonly count: number }>>;

/** The roots `blockRoots` would give a block whose parts are `known` (no entry is read or hashed). */
export function blockRootsOfKnown(crypto: Crypto, known: KnownParts): BlockRoots {
  const rootOf = (part: BlockPart) => {
    const hex = known[part]?.root;
    if (hex === undefined) return emptyPartRoot(crypto);
    const root = fromHex(hex, 32);
    // Known roots are ones a transfer was checked against (PartAssembler), never input read here.
    if (root === null) throw new Error(`malformed known ${part} root`);
    return root;
  };
  const criticalRoot = rootOf('critical');
  const commitRoot = rootOf('commits');
  return {
    root: toHex(combineBlockRoot(crypto, criticalRoot, commitRoot)),
    criticalRoot: toHex(criticalRoot),
    commitRoot: toHex(commitRoot),
    criticalCount: known.critical?.count ?? 0,
    commitCount: known.commits?.count ?? 0,
  };
}

/** Hex root of a block with no entries (every height nobody wrote in). */
export function emptyBlockRoot(crypto: Crypto): string {
  const empty = emptyPartRoot(crypto);
  return toHex(combineBlockRoot(crypto, empty, empty));
}
