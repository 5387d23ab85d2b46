// Nodes heard of but not (or not yet) reached: from NODES answers, forwarded announces, inbound handshakes and the
// store. Bounded; each remembers who told us (for the single-source limit) and when a dial last failed.
import type { PeerInfo } from '../../core/messages/schemas.js';
import { hostOf } from '../../core/routing/subnet.js';

export interface Candidate {
  info: PeerInfo;
  /** Peers (node ids) that told us about it, plus 'store' and 'reached' (not one peer's word). */
  readonly sources: Set<string>;
  failures: number;
  /** Not dialled again before this time. */
  retryAt: number;
}

/** Candidates held at most; the least recently heard of goes first. */
const CAPACITY = 4_096;
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 10 * 60_000;
/** Failed dials in a row after which a candidate is forgotten (stale: gone, or never real). */
export const MAX_FAILURES = 6;
/** Distinct peers needed before a candidate counts as vouched for. */
const VOUCHES_NEEDED = 2;

export class CandidateBook {
  private readonly byNode = new Map<string, Candidate>();

  constructor(private readonly selfId: string) {}

  /** Notes that `source` told us about `info` (which passed the NODES or announce checks). */
  heard(info: PeerInfo, source: string): void {
    if (info.nodeId === this.selfId) return;
    if (!info.endpoints.some((endpoint) => hostOf(endpoint) !== null)) return;
    const held = this.byNode.get(info.nodeId);
    if (held !== undefined) {
      held.sources.add(source);
      // A trusted source's endpoints win; otherwise the first word stands (a later peer cannot redirect it).
      if (source === 'store' || source === 'reached') held.info = info;
      this.byNode.delete(info.nodeId);
      this.byNode.set(info.nodeId, held);
      return;
    }
    this.byNode.set(info.nodeId, { info, sources: new Set([source]), failures: 0, retryAt: 0 });
    if (this.byNode.size > CAPACITY) this.byNode.delete(this.byNode.keys().next().value!);
  }

  get(nodeId: string): Candidate | undefined {
    return this.byNode.get(nodeId);
  }

  vouched(candidate: Candidate): boolean {
    return (
      candidate.sources.has('store') ||
      candidate.sources.has('reached') ||
      candidate.sources.size >= VOUCHES_NEEDED
    );
  }

  /** A dial to it failed: wait longer each time before the next, and forget it after MAX_FAILURES in a row. */
  failed(nodeId: string, now: number): void {
    const candidate = this.byNode.get(nodeId);
    if (candidate === undefined) return;
    candidate.failures++;
    if (candidate.failures >= MAX_FAILURES) {
      this.byNode.delete(nodeId);
      return;
    }
    candidate.retryAt = now + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (candidate.failures - 1));
  }

  reached(nodeId: string): void {
    const candidate = this.byNode.get(nodeId);
    if (candidate === undefined) return;
    candidate.failures = 0;
    candidate.retryAt = 0;
    candidate.sources.add('reached');
  }

  /** Candidates whose retry time has come. */
  dialable(now: number): Candidate[] {
    return [...this.byNode.values()].filter((candidate) => candidate.retryAt <= now);
  }

  get size(): number {
    return this.byNode.size;
  }
}
