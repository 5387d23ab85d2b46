// What core/routing owns: the Kademlia routing table, the iterative lookup and the choice of outbound peers, all
// pure (no clock, no randomness: `now` and random ids come from the shell). This file: k-buckets.
import { bucketIndex, closestFirst, ID_BITS } from './ids.js';
import { type Subnet, subnetOf } from './subnet.js';

/** A node this node has itself reached: dialled at `address`, handshake completed with the key of `nodeId`. */
export interface Contact {
  readonly nodeId: string;
  readonly publicKey: string;
  readonly endpoints: readonly string[];
  readonly capabilities: readonly string[];
  /** Where it was reached (an endpoint URL or a socket address): the subnet limit applies to it. */
  readonly address: string;
  /** Last time it was seen alive (connected, answered, or passed a ping). */
  lastSeen: number;
}

export interface RoutingOptions {
  /** Entries per bucket. */
  readonly k: number;
  /** Entries of one IPv4 /24 or IPv6 /48 in one bucket at most. */
  readonly maxPerSubnet: number;
  /** Loopback addresses escape the subnet limit (a devnet on one machine); tests switch it off. */
  readonly exemptLoopback: boolean;
  /** A bucket not looked up for this long is due for a refresh lookup. */
  readonly refreshIntervalMs: number;
}

export const DEFAULT_ROUTING: RoutingOptions = {
  k: 20,
  maxPerSubnet: 2,
  exemptLoopback: true,
  refreshIntervalMs: 15 * 60_000,
};

/** What offering a contact did; on `ping` the shell checks the oldest entry and calls pingResult. */
export type OfferResult =
  | { readonly kind: 'added' }
  | { readonly kind: 'updated' }
  | { readonly kind: 'ping'; readonly oldest: Contact }
  | { readonly kind: 'refused'; readonly reason: 'self' | 'subnet' | 'address' | 'pending' };

interface Bucket {
  /** Least recently seen first. */
  readonly entries: Contact[];
  /** The newcomer waiting on a ping of the oldest entry (one at a time per bucket). */
  pending: { readonly contact: Contact; readonly oldestId: string } | null;
  lastLookup: number;
}

export interface BucketFill {
  readonly index: number;
  readonly size: number;
}

/** Whether the subnet limit counts this subnet, given the options. */
export function limitedSubnet(subnet: Subnet, options: Pick<RoutingOptions, 'exemptLoopback'>): boolean {
  return !(subnet.loopback && options.exemptLoopback);
}

export class RoutingTable {
  private readonly buckets = new Map<number, Bucket>();
  readonly options: RoutingOptions;

  constructor(
    readonly selfId: string,
    options: Partial<RoutingOptions> = {},
  ) {
    this.options = { ...DEFAULT_ROUTING, ...options };
  }

  private bucket(index: number): Bucket {
    let bucket = this.buckets.get(index);
    if (bucket === undefined) {
      bucket = { entries: [], pending: null, lastLookup: Number.NEGATIVE_INFINITY };
      this.buckets.set(index, bucket);
    }
    return bucket;
  }

  /**
   * Offers a contact reached just now. Known: refreshed and moved to the tail. New with room: added. New to a
   * full bucket: refused, unless no ping is pending there — then the oldest entry must be pinged first.
   */
  offer(contact: Contact, now: number): OfferResult {
    const index = bucketIndex(this.selfId, contact.nodeId);
    if (index < 0) return { kind: 'refused', reason: 'self' };
    const bucket = this.bucket(index);
    const at = bucket.entries.findIndex((entry) => entry.nodeId === contact.nodeId);
    if (at >= 0) {
      bucket.entries.splice(at, 1);
      bucket.entries.push({ ...contact, lastSeen: now });
      return { kind: 'updated' };
    }
    const subnet = subnetOf(contact.address);
    if (subnet === null) return { kind: 'refused', reason: 'address' };
    if (limitedSubnet(subnet, this.options)) {
      const same = bucket.entries.filter((entry) => subnetOf(entry.address)?.key === subnet.key).length;
      if (same >= this.options.maxPerSubnet) return { kind: 'refused', reason: 'subnet' };
    }
    if (bucket.entries.length < this.options.k) {
      bucket.entries.push({ ...contact, lastSeen: now });
      return { kind: 'added' };
    }
    if (bucket.pending !== null) return { kind: 'refused', reason: 'pending' };
    const oldest = bucket.entries[0]!;
    bucket.pending = { contact: { ...contact, lastSeen: now }, oldestId: oldest.nodeId };
    return { kind: 'ping', oldest };
  }

  /**
   * The ping of `oldestId` asked for by offer() ended. Alive: it stays (moved to the tail) and the newcomer is
   * dropped, since long-lived nodes are the likelier to stay. Dead: it is evicted and the newcomer returned.
   */
  pingResult(oldestId: string, alive: boolean, now: number): Contact | null {
    const index = bucketIndex(this.selfId, oldestId);
    const bucket = this.buckets.get(index);
    if (bucket?.pending == null || bucket.pending.oldestId !== oldestId) return null;
    const { contact } = bucket.pending;
    bucket.pending = null;
    const at = bucket.entries.findIndex((entry) => entry.nodeId === oldestId);
    if (alive) {
      if (at >= 0) {
        const [entry] = bucket.entries.splice(at, 1);
        bucket.entries.push({ ...entry!, lastSeen: now });
      }
      return null;
    }
    if (at >= 0) bucket.entries.splice(at, 1);
    if (bucket.entries.length >= this.options.k) return null;
    bucket.entries.push(contact);
    return contact;
  }

  /** Marks a known entry alive now (it answered); a disconnect alone never evicts. */
  seen(nodeId: string, now: number): void {
    const bucket = this.buckets.get(bucketIndex(this.selfId, nodeId));
    const entry = bucket?.entries.find((candidate) => candidate.nodeId === nodeId);
    if (entry !== undefined) entry.lastSeen = now;
  }

  /** Drops an entry (it misbehaved, or rotated its key away). */
  remove(nodeId: string): boolean {
    const bucket = this.buckets.get(bucketIndex(this.selfId, nodeId));
    if (bucket === undefined) return false;
    const at = bucket.entries.findIndex((entry) => entry.nodeId === nodeId);
    if (at < 0) return false;
    bucket.entries.splice(at, 1);
    return true;
  }

  get(nodeId: string): Contact | undefined {
    return this.buckets.get(bucketIndex(this.selfId, nodeId))?.entries.find((e) => e.nodeId === nodeId);
  }

  has(nodeId: string): boolean {
    return this.get(nodeId) !== undefined;
  }

  /** The `n` entries closest to `target` by XOR distance. */
  closest(target: string, n: number = this.options.k): Contact[] {
    return closestFirst(target, this.entries(), (entry) => entry.nodeId).slice(0, n);
  }

  entries(): Contact[] {
    return [...this.buckets.values()].flatMap((bucket) => bucket.entries);
  }

  get size(): number {
    let size = 0;
    for (const bucket of this.buckets.values()) size += bucket.entries.length;
    return size;
  }

  /** Non-empty buckets, nearest-to-self last. */
  fill(): BucketFill[] {
    return [...this.buckets.entries()]
      .filter(([, bucket]) => bucket.entries.length > 0)
      .map(([index, bucket]) => ({ index, size: bucket.entries.length }))
      .sort((a, b) => a.index - b.index);
  }

  /** A lookup for an id in this bucket's range ran (or began): its refresh deadline moves on. */
  refreshed(index: number, now: number): void {
    this.bucket(index).lastLookup = now;
  }

  /**
   * Buckets due for a refresh lookup: every bucket from 0 to one past the deepest non-empty one (deeper buckets
   * are empty in any network smaller than 2^depth) not looked up within the refresh interval.
   */
  refreshDue(now: number): number[] {
    let deepest = -1;
    for (const [index, bucket] of this.buckets)
      if (bucket.entries.length > 0) deepest = Math.max(deepest, index);
    const due: number[] = [];
    for (let index = 0; index <= Math.min(deepest + 1, ID_BITS - 1); index++) {
      const last = this.buckets.get(index)?.lastLookup ?? Number.NEGATIVE_INFINITY;
      if (now - last >= this.options.refreshIntervalMs) due.push(index);
    }
    return due;
  }
}
