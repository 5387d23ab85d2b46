// Lookup hops at 10,000 nodes (#16), in-process on the pure routing core: seeded ids, converged routing tables,
// iterative lookups whose FIND_NODE is answered from the asked node's own table; hops against log2(N), and
// whether each lookup's k closest equal the brute-force k closest.
import { createHash } from 'node:crypto';
import { SeededRandom } from '../src/core/memory/seeded-entropy.js';
import { closestFirst, ID_BITS } from '../src/core/routing/ids.js';
import { Lookup, type LookupPeer } from '../src/core/routing/lookup.js';
import { type Contact, RoutingTable } from '../src/core/routing/routing-table.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { percentile, round } from './support.js';

export interface LookupHopsOptions {
  readonly nodes: number;
  readonly lookups: number;
  readonly seed: number;
  /** Bucket size and result size (the design's k = 20). */
  readonly k?: number;
  /** Queries in flight (the design's α = 3). */
  readonly alpha?: number;
}

export interface LookupHopsResult {
  nodes: number;
  lookups: number;
  k: number;
  alpha: number;
  /** Tables a lookup reached (built on first use). */
  tablesBuilt: number;
  meanTableSize: number;
  meanHops: number;
  p99Hops: number;
  maxHops: number;
  log2N: number;
  meanQueries: number;
  /** Lookups whose k closest are exactly the brute-force k closest of all N ids. */
  exact: number;
  /** Mean share of the brute-force k closest a lookup found. */
  meanOverlap: number;
  buildMs: number;
  lookupMs: number;
  heapUsedMiB: number;
}

/** Ids as the network makes them: the SHA-256 (hex) of something unique per node, here a seeded name. */
export function seededIds(count: number, seed: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    createHash('sha256').update(`lookup-hops-${seed}-${i}`).digest('hex'),
  );
}

/** First index in `sorted` whose id is ≥ `bound` (hex ids compare like the numbers they are). */
function lowerBound(sorted: readonly string[], bound: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `id`'s first `bits` bits followed by `fill` ('0' or 'f' bits), as a hex id: one end of a prefix range. */
function prefixBound(prefixBits: string, fill: '0' | '1'): string {
  const bits = prefixBits.padEnd(ID_BITS, fill);
  let hex = '';
  for (let i = 0; i < ID_BITS; i += 4) hex += Number.parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hex;
}

const bitsOf = (id: string): string =>
  [...id].map((digit) => Number.parseInt(digit, 16).toString(2).padStart(4, '0')).join('');

/**
 * A converged table: for every bucket i of `self` (the ids that share its first i bits and differ in bit i), k
 * members of that range picked uniformly with the seeded PRNG, or all of them when the range holds k or fewer.
 * This is what bucket refresh lookups and ping-before-evict leave in a static network: entries in a bucket are
 * whichever range members were met first, which are unrelated to their ids.
 */
function convergedTable(self: string, sorted: readonly string[], k: number, random: SeededRandom): string[] {
  const bits = bitsOf(self);
  const contacts: string[] = [];
  for (let i = 0; i < ID_BITS; i++) {
    const flipped = bits.slice(0, i) + (bits[i] === '0' ? '1' : '0');
    const from = lowerBound(sorted, prefixBound(flipped, '0'));
    const to = lowerBound(sorted, `${prefixBound(flipped, '1')}g`);
    // A partial Fisher–Yates over sorted[from, to): swaps kept aside, so a bucket of N/2 ids costs k steps.
    const swapped = new Map<number, string>();
    const at = (index: number) => swapped.get(index) ?? sorted[index]!;
    for (let j = from; j < Math.min(from + k, to); j++) {
      const pick = j + Math.floor(random.next() * (to - j));
      const chosen = at(pick);
      swapped.set(pick, at(j));
      contacts.push(chosen);
    }
    // Stop once self's own side of bit i holds no other node: every deeper bucket is empty.
    const own = bits.slice(0, i + 1);
    const ownFrom = lowerBound(sorted, prefixBound(own, '0'));
    const ownTo = lowerBound(sorted, `${prefixBound(own, '1')}g`);
    if (ownTo - ownFrom <= 1) break;
  }
  return contacts;
}

const ENDPOINTS: readonly string[] = ['ws://127.0.0.1:1/mesh'];
const CAPABILITIES: readonly string[] = ['FULL_NODE'];

/**
 * Every node's converged table (see convergedTable), each entry offered through the core's RoutingTable. Built
 * when first asked for, each from its own seeded PRNG (seed and node index), so a table is the same whichever
 * lookup needs it first and a run of a few lookups builds only the tables it reaches.
 */
export class ConvergedTables {
  private readonly sorted: string[];
  private readonly index: Map<string, number>;
  private readonly tables = new Map<string, RoutingTable>();
  private readonly contacts = new Map<string, Contact>();
  buildMs = 0;

  constructor(
    ids: readonly string[],
    private readonly k: number,
    private readonly seed: number,
  ) {
    this.sorted = [...ids].sort();
    this.index = new Map(ids.map((id, i) => [id, i]));
  }

  get(id: string): RoutingTable {
    let table = this.tables.get(id);
    if (table !== undefined) return table;
    const started = performance.now();
    table = new RoutingTable(id, { k: this.k });
    const random = new SeededRandom(this.seed * 1_000_003 + this.index.get(id)!);
    for (const nodeId of convergedTable(id, this.sorted, this.k, random)) {
      const offered = table.offer(this.contactOf(nodeId), 0);
      if (offered.kind !== 'added') throw new Error(`table of ${id.slice(0, 8)}: ${offered.kind}`);
    }
    this.tables.set(id, table);
    this.buildMs += performance.now() - started;
    return table;
  }

  /** Tables built so far. */
  built(): RoutingTable[] {
    return [...this.tables.values()];
  }

  private contactOf(nodeId: string): Contact {
    let contact = this.contacts.get(nodeId);
    if (contact === undefined) {
      // Loopback addresses, which the subnet limits exempt: this measures routing, not eclipse defence.
      contact = {
        nodeId,
        publicKey: '',
        endpoints: ENDPOINTS,
        capabilities: CAPABILITIES,
        address: '127.0.0.1',
        lastSeen: 0,
      };
      this.contacts.set(nodeId, contact);
    }
    return contact;
  }
}

/** Runs `lookups` lookups for random ids from random nodes, FIND_NODE answered synchronously from tables. */
export function measureLookupHops(options: LookupHopsOptions): LookupHopsResult {
  const k = options.k ?? 20;
  const alpha = options.alpha ?? 3;
  const random = new SeededRandom(options.seed);
  const ids = seededIds(options.nodes, options.seed);
  const tables = new ConvergedTables(ids, k, options.seed);

  const started = performance.now();
  const hops: number[] = [];
  const queries: number[] = [];
  let exact = 0;
  let overlap = 0;
  for (let n = 0; n < options.lookups; n++) {
    const target = createHash('sha256').update(`lookup-target-${options.seed}-${n}`).digest('hex');
    const from = ids[Math.floor(random.next() * ids.length)]!;
    const lookup = new Lookup(from, target, tables.get(from).closest(target, k), { alpha, k });
    // α queries go out together; their answers come back in the order asked before the next round is chosen.
    for (let round = lookup.next(); round.length > 0; round = lookup.next()) {
      for (const asked of round) lookup.answered(asked.nodeId, answerOf(tables.get(asked.nodeId), target, k));
    }
    if (!lookup.done) throw new Error(`lookup ${n} stopped before it was done`);
    hops.push(lookup.hops);
    queries.push(lookup.asked);
    const found = new Set(lookup.result().map((peer) => peer.nodeId));
    const truth = closestFirst(
      target,
      ids.filter((id) => id !== from),
      (id) => id,
    ).slice(0, k);
    const shared = truth.filter((id) => found.has(id)).length;
    overlap += shared / k;
    if (shared === k && found.size === k) exact++;
  }
  const lookupMs = performance.now() - started - tables.buildMs;
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const built = tables.built();
  return {
    nodes: options.nodes,
    lookups: options.lookups,
    k,
    alpha,
    tablesBuilt: built.length,
    meanTableSize: round(mean(built.map((table) => table.size)), 1),
    meanHops: round(mean(hops), 2),
    p99Hops: percentile(hops, 99),
    maxHops: Math.max(...hops),
    log2N: round(Math.log2(options.nodes), 2),
    meanQueries: round(mean(queries), 1),
    exact,
    meanOverlap: round(overlap / options.lookups, 4),
    buildMs: Math.round(tables.buildMs),
    lookupMs: Math.round(lookupMs),
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  };
}

/** A NODES answer as the shell would send it: the asked node's k closest to the target. */
function answerOf(table: RoutingTable, target: string, k: number): LookupPeer[] {
  return table.closest(target, k);
}

export const lookupHopsBench: Bench = {
  name: 'lookup-hops',
  title: 'Kademlia lookup hops at 10,000 nodes (pure routing core, converged tables, in-process answers)',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    const lookups = full ? 1_000 : 100;
    const result = measureLookupHops({ nodes: 10_000, lookups, seed: 16 });
    log(
      `N=${result.nodes}: ${result.lookups} lookups, hops mean ${result.meanHops} / p99 ${result.p99Hops} / max ${result.maxHops} ` +
        `(log2 N = ${result.log2N}), ${result.meanQueries} queries each, ${result.exact} exact k-closest, ` +
        `tables ${result.meanTableSize} entries, built in ${result.buildMs} ms`,
    );
    const figures: Record<string, number> = {
      meanHops_10000: result.meanHops,
      p99Hops_10000: result.p99Hops,
      maxHops_10000: result.maxHops,
      log2N_10000: result.log2N,
      meanHopsVsLog2N_10000: round(result.meanHops / result.log2N, 3),
      meanQueriesPerLookup_10000: result.meanQueries,
      exactKClosest_10000: round(result.exact / result.lookups, 4),
      meanKClosestOverlap_10000: result.meanOverlap,
      meanTableSize_10000: result.meanTableSize,
      tablesBuilt_10000: result.tablesBuilt,
      tableBuildWall_10000: result.buildMs,
      lookupWall_10000: result.lookupMs,
      heapUsed_10000: result.heapUsedMiB,
    };
    const units: Record<string, string> = {
      meanHops_10000: 'hops',
      p99Hops_10000: 'hops',
      maxHops_10000: 'hops',
      log2N_10000: 'hops',
      meanHopsVsLog2N_10000: 'ratio',
      meanQueriesPerLookup_10000: 'FIND_NODE queries',
      exactKClosest_10000: 'share of lookups',
      meanKClosestOverlap_10000: 'share of the true k closest',
      meanTableSize_10000: 'entries (over the tables built)',
      tablesBuilt_10000: 'tables (those the lookups reached)',
      tableBuildWall_10000: 'ms wall (tables built)',
      lookupWall_10000: `ms wall for ${lookups} lookups`,
      heapUsed_10000: 'MiB after the run',
    };
    return {
      name: 'lookup-hops',
      title: this.title,
      setup: {
        nodes: result.nodes,
        lookups,
        k: result.k,
        alpha: result.alpha,
        ids: 'SHA-256 of seeded names (seed 16)',
        tables:
          'converged: each bucket holds k members of its range picked by a seeded PRNG (all when fewer)',
        answers: 'FIND_NODE answered synchronously from the asked node’s table (its k closest); α per round',
      },
      figures,
      units,
      notes: [
        'hops = the core Lookup’s count: the longest chain of answers leading to a node asked (the figure discovery metrics report)',
        'exact = the lookup’s k closest equal the brute-force k closest over all N ids (the starting node excluded)',
        'no churn, no timeouts, no stale or Sybil entries: the ideal a live network approaches; see docs/PERFORMANCE.md',
      ],
    };
  },
};
