// The iterative Kademlia lookup as a pure state machine: the shell asks next() whom to query (α at a time), reports
// each answer or failure, and stops when the k closest nodes known have all been asked and none is in flight.
import { closestFirst, distance, isNodeId } from './ids.js';
import { subnetOf } from './subnet.js';

/** What a lookup needs to know of a node to ask it (a NODES entry, or a routing-table contact). */
export interface LookupPeer {
  readonly nodeId: string;
  readonly publicKey: string;
  readonly endpoints: readonly string[];
  readonly capabilities: readonly string[];
}

export interface LookupOptions {
  /** Queries in flight at once. */
  readonly alpha: number;
  /** Size of the result (and of the shortlist that decides when to stop). */
  readonly k: number;
  /**
   * Candidates from one IPv4 /24 or IPv6 /48 (by their first endpoint) a lookup takes from answers at most, so a
   * subnet of Sybils ground near the target cannot crowd honest nodes out of the result.
   */
  readonly maxPerSubnet: number;
  /** Loopback endpoints escape that limit (a devnet on one machine). */
  readonly exemptLoopback: boolean;
}

export const DEFAULT_LOOKUP: LookupOptions = { alpha: 3, k: 20, maxPerSubnet: 10, exemptLoopback: true };

type State = 'new' | 'asking' | 'answered' | 'failed';

interface Candidate {
  readonly peer: LookupPeer;
  readonly distance: string;
  /** Answers between the seeds and this node: 0 for a seed. */
  readonly depth: number;
  /** Subnet key of its first endpoint, null when exempt or unknown. */
  readonly subnet: string | null;
  state: State;
}

/** How one answer's entries were taken. */
export interface AnswerTally {
  added: number;
  duplicate: number;
  /** Not closer than the k-th closest already known: kept in reserve (at most k) or dropped. */
  far: number;
  self: number;
  /** Its subnet already has maxPerSubnet candidates in this lookup. */
  subnet: number;
}

export class Lookup {
  private readonly candidates = new Map<string, Candidate>();
  private readonly options: LookupOptions;
  private hopsSeen = 0;

  constructor(
    readonly selfId: string,
    readonly target: string,
    seeds: readonly LookupPeer[],
    options: Partial<LookupOptions> = {},
  ) {
    this.options = { ...DEFAULT_LOOKUP, ...options };
    // Seeds too are held to the subnet limit, closest first: a table may hold a few per bucket of one subnet.
    for (const seed of closestFirst(target, seeds, (peer) => peer.nodeId)) {
      if (seed.nodeId === selfId || !isNodeId(seed.nodeId) || this.candidates.has(seed.nodeId)) continue;
      const subnet = this.subnetKey(seed);
      if (this.subnetFull(subnet)) continue;
      this.candidates.set(seed.nodeId, {
        peer: seed,
        distance: distance(seed.nodeId, target),
        depth: 0,
        subnet,
        state: 'new',
      });
    }
  }

  private subnetKey(peer: LookupPeer): string | null {
    const subnet = peer.endpoints.length > 0 ? subnetOf(peer.endpoints[0]!) : null;
    if (subnet === null || (subnet.loopback && this.options.exemptLoopback)) return null;
    return subnet.key;
  }

  private subnetFull(key: string | null): boolean {
    if (key === null) return false;
    let count = 0;
    for (const candidate of this.candidates.values())
      if (candidate.subnet === key && candidate.state !== 'failed') count++;
    return count >= this.options.maxPerSubnet;
  }

  /** Candidates not failed, closest first. */
  private shortlist(): Candidate[] {
    return [...this.candidates.values()]
      .filter((candidate) => candidate.state !== 'failed')
      .sort((a, b) => (a.distance < b.distance ? -1 : a.distance > b.distance ? 1 : 0));
  }

  private inFlight(): number {
    let count = 0;
    for (const candidate of this.candidates.values()) if (candidate.state === 'asking') count++;
    return count;
  }

  /** Whom to ask now (marked in flight): the closest not yet asked among the k closest, up to α in flight. */
  next(): LookupPeer[] {
    const free = this.options.alpha - this.inFlight();
    if (free <= 0) return [];
    const chosen = this.shortlist()
      .slice(0, this.options.k)
      .filter((candidate) => candidate.state === 'new')
      .slice(0, free);
    for (const candidate of chosen) candidate.state = 'asking';
    return chosen.map((candidate) => candidate.peer);
  }

  /** `from` answered with these entries (already checked for form and key hash by the shell). */
  answered(from: string, entries: readonly LookupPeer[]): AnswerTally {
    const tally: AnswerTally = { added: 0, duplicate: 0, far: 0, self: 0, subnet: 0 };
    const asker = this.candidates.get(from);
    if (asker === undefined || asker.state !== 'asking') return tally;
    asker.state = 'answered';
    this.hopsSeen = Math.max(this.hopsSeen, asker.depth + 1);
    for (const entry of entries) {
      if (entry.nodeId === this.selfId) {
        tally.self++;
        continue;
      }
      if (this.candidates.has(entry.nodeId)) {
        tally.duplicate++;
        continue;
      }
      const subnet = this.subnetKey(entry);
      if (this.subnetFull(subnet)) {
        tally.subnet++;
        continue;
      }
      const d = distance(entry.nodeId, this.target);
      const list = this.shortlist();
      const kth = list.length >= this.options.k ? list[this.options.k - 1]!.distance : null;
      if (kth !== null && d >= kth) tally.far++;
      else tally.added++;
      this.candidates.set(entry.nodeId, {
        peer: entry,
        distance: d,
        depth: asker.depth + 1,
        subnet,
        state: 'new',
      });
    }
    this.dropBeyondReserve();
    return tally;
  }

  /**
   * Far entries (not closer than the k-th closest known) cannot change the result unless closer ones fail: the
   * nearest k of them stay in reserve, every farther one is dropped, so a flood of answers cannot grow a lookup.
   */
  private dropBeyondReserve(): void {
    const list = this.shortlist();
    for (const candidate of list.slice(2 * this.options.k))
      if (candidate.state === 'new') this.candidates.delete(candidate.peer.nodeId);
  }

  /** Asking `from` failed (timeout, unreachable, left): it drops out of the shortlist. */
  failed(from: string): void {
    const candidate = this.candidates.get(from);
    if (candidate?.state === 'asking') candidate.state = 'failed';
  }

  /** Nothing in flight and every one of the k closest live candidates has answered. */
  get done(): boolean {
    if (this.inFlight() > 0) return false;
    return this.shortlist()
      .slice(0, this.options.k)
      .every((candidate) => candidate.state === 'answered');
  }

  /** The k closest nodes that answered, closest first. */
  result(): LookupPeer[] {
    const answered = [...this.candidates.values()].filter((candidate) => candidate.state === 'answered');
    return closestFirst(this.target, answered, (candidate) => candidate.peer.nodeId)
      .slice(0, this.options.k)
      .map((candidate) => candidate.peer);
  }

  /** Longest chain of answers that led to a node asked: the lookup's hop count. */
  get hops(): number {
    return this.hopsSeen;
  }

  get asked(): number {
    let count = 0;
    for (const candidate of this.candidates.values()) if (candidate.state !== 'new') count++;
    return count;
  }
}
