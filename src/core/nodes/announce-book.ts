// The newest signed PEER_ANNOUNCE held for each node: endpoints and capabilities others can dial and query.
// Bounded and expiring, so a flood of announces cannot grow it; Kademlia (a later issue) reads its closest().
import type { PeerAnnounce, PeerInfo } from '../messages/schemas.js';
import { parseTimestamp } from '../time.js';

/** An announce not refreshed for this long is forgotten (nodes re-announce every 10 minutes). */
export const ANNOUNCE_TTL_MS = 60 * 60_000;
/** Announces held at most; Kademlia buckets (a later issue) will bound this per distance instead. */
const CAPACITY = 2_048;

/** XOR distance of two hex ids as bytes (lexicographic comparison of the result orders distances). */
export function xorDistance(a: string, b: string): Buffer {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  for (let i = 0; i < left.length; i++) left[i]! ^= right[i] ?? 0;
  return left;
}

export class AnnounceBook {
  private readonly byNode = new Map<string, { announce: PeerAnnounce; at: number; receivedAt: number }>();

  /** Keeps the announce if it is newer than the one held for its node; false when it is not. */
  offer(announce: PeerAnnounce, now: number): boolean {
    const at = parseTimestamp(announce.timestamp);
    if (at === null) return false;
    const held = this.byNode.get(announce.nodeId);
    if (held !== undefined && held.at >= at) return false;
    this.byNode.delete(announce.nodeId);
    this.byNode.set(announce.nodeId, { announce, at, receivedAt: now });
    if (this.byNode.size > CAPACITY) this.byNode.delete(this.byNode.keys().next().value!);
    return true;
  }

  get(nodeId: string): PeerAnnounce | undefined {
    return this.byNode.get(nodeId)?.announce;
  }

  /** The most recently received announces, newest first. */
  recent(limit: number, now: number): PeerAnnounce[] {
    const fresh = [...this.byNode.values()].filter((entry) => now - entry.receivedAt < ANNOUNCE_TTL_MS);
    return fresh
      .slice(-limit)
      .reverse()
      .map((entry) => entry.announce);
  }

  /** The k announced nodes closest to `target` by XOR distance (distances computed once per entry). */
  closest(target: string, k: number, now: number): PeerInfo[] {
    return this.recent(CAPACITY, now)
      .map((announce) => ({ announce, distance: xorDistance(announce.nodeId, target) }))
      .sort((a, b) => Buffer.compare(a.distance, b.distance))
      .slice(0, k)
      .map(({ announce: { nodeId, publicKey, endpoints, capabilities } }) => ({
        nodeId,
        publicKey,
        endpoints,
        capabilities,
      }));
  }

  prune(now: number): void {
    for (const [nodeId, entry] of this.byNode) {
      if (now - entry.receivedAt >= ANNOUNCE_TTL_MS) this.byNode.delete(nodeId);
    }
  }

  get size(): number {
    return this.byNode.size;
  }
}
