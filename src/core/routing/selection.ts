// Which discovered peers to dial (and, of those connected for lookups, which to keep) so the outbound set stays
// diverse: spread across buckets, a few per subnet at most, at most half from nodes only one peer told us about.
import { bucketIndex } from './ids.js';
import { limitedSubnet } from './routing-table.js';
import { subnetOf } from './subnet.js';

/** An outbound connection, or a node that could become one. */
export interface OutboundPeer {
  readonly nodeId: string;
  /** The endpoint dialled (or to dial): its subnet counts against the limit. */
  readonly address: string;
  /**
   * Known other than by one peer's word: reached before (routing table, stored peers), configured, or reported
   * by two or more distinct peers.
   */
  readonly vouched: boolean;
}

export interface SelectionOptions {
  /** Outbound connections wanted. */
  readonly target: number;
  /** Outbound connections into one IPv4 /24 or IPv6 /48 at most. */
  readonly maxPerSubnet: number;
  readonly exemptLoopback: boolean;
}

interface Counts {
  readonly bySubnet: Map<string, number>;
  readonly byBucket: Map<number, number>;
  unvouched: number;
}

function subnetKey(peer: OutboundPeer, options: SelectionOptions): string | null {
  const subnet = subnetOf(peer.address);
  if (subnet === null) return '?';
  return limitedSubnet(subnet, options) ? subnet.key : null;
}

function count(selfId: string, peers: readonly OutboundPeer[], options: SelectionOptions): Counts {
  const counts: Counts = { bySubnet: new Map(), byBucket: new Map(), unvouched: 0 };
  for (const peer of peers) add(selfId, counts, peer, options);
  return counts;
}

function add(selfId: string, counts: Counts, peer: OutboundPeer, options: SelectionOptions): void {
  const key = subnetKey(peer, options);
  if (key !== null) counts.bySubnet.set(key, (counts.bySubnet.get(key) ?? 0) + 1);
  const bucket = bucketIndex(selfId, peer.nodeId);
  counts.byBucket.set(bucket, (counts.byBucket.get(bucket) ?? 0) + 1);
  if (!peer.vouched) counts.unvouched++;
}

/** Half the outbound slots at most may come from a single peer's word. */
export function maxUnvouched(options: SelectionOptions): number {
  return Math.floor(options.target / 2);
}

/**
 * Candidates to dial, in order, to fill the free outbound slots: each pick comes from the least represented
 * bucket (vouched first, then the wider buckets), skipping any that would break a subnet or single-source limit.
 */
export function chooseDials(
  selfId: string,
  current: readonly OutboundPeer[],
  candidates: readonly OutboundPeer[],
  options: SelectionOptions,
): OutboundPeer[] {
  const counts = count(selfId, current, options);
  const taken = new Set(current.map((peer) => peer.nodeId));
  const pool = candidates.filter((candidate) => candidate.nodeId !== selfId && !taken.has(candidate.nodeId));
  const chosen: OutboundPeer[] = [];
  while (current.length + chosen.length < options.target) {
    let best: { peer: OutboundPeer; rank: [number, number, number, string] } | null = null;
    for (const peer of pool) {
      if (taken.has(peer.nodeId)) continue;
      const key = subnetKey(peer, options);
      if (key !== null && (counts.bySubnet.get(key) ?? 0) >= options.maxPerSubnet) continue;
      if (!peer.vouched && counts.unvouched >= maxUnvouched(options)) continue;
      const bucket = bucketIndex(selfId, peer.nodeId);
      const rank: [number, number, number, string] = [
        counts.byBucket.get(bucket) ?? 0,
        peer.vouched ? 0 : 1,
        bucket,
        peer.nodeId,
      ];
      if (best === null || lessThan(rank, best.rank)) best = { peer, rank };
    }
    if (best === null) break;
    chosen.push(best.peer);
    taken.add(best.peer.nodeId);
    add(selfId, counts, best.peer, options);
  }
  return chosen;
}

function lessThan(a: readonly (number | string)[], b: readonly (number | string)[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
