// Which neighbours get a gossiped message eagerly: a Plumtree-style spanning tree per origin, with lazy repair.
// Pure bookkeeping on the time passed in; the engine sends what it decides (PRUNE, IHAVE, GRAFT, copies).
import { MissingIds } from './missing.js';
import { TimeCache } from './time-cache.js';

export interface TreeOptions {
  /** How often announced ids (IHAVE) go out to lazy neighbours. */
  readonly lazyIntervalMs: number;
  /** Lazy neighbours sent an IHAVE per interval, taken in turn. */
  readonly lazyFanout: number;
  /** Intervals in which one id is announced (each time to the next lazy neighbours in turn). */
  readonly lazyRounds: number;
  /** How long an id announced but not received waits for its eager copy before it is asked for (GRAFT). */
  readonly graftAfterMs: number;
  /** How long a message is kept to answer a GRAFT, and an announced id is chased. */
  readonly cacheMs: number;
  /** Ids in one IHAVE or GRAFT (the schema's cap). */
  readonly maxIds: number;
  /** Characters of ids in one IHAVE or GRAFT, so that it fits a frame (maxFrameBytes, less room for the rest). */
  readonly maxIdChars: number;
}

/**
 * Why these numbers: one IHAVE per node per second (fanout 1) costs about one frame per update at 1 update/s
 * and almost nothing at 50/s. Each id is announced in 4 rounds, to 4 lazy neighbours in turn, so wherever the
 * tree is cut, the nodes along the cut tell the other side within a few seconds; a GRAFT 250 ms after the
 * announcement leaves the eager copy time to arrive first. 30 s of messages answer any GRAFT that repair can
 * still use (a proposal's votes are due within 10 s); what the tree still misses, sync repairs.
 */
export const DEFAULT_TREE: TreeOptions = {
  lazyIntervalMs: 1_000,
  lazyFanout: 1,
  lazyRounds: 4,
  graftAfterMs: 250,
  cacheMs: 30_000,
  maxIds: 512,
  maxIdChars: 60_000,
};

/** Messages kept for GRAFT answers, and keys whose holders are known, at most. */
const CACHE_CAPACITY = 20_000;
export interface LazyAnnouncement {
  readonly peerId: string;
  readonly ids: string[];
}

export interface GraftRequest {
  readonly peerId: string;
  readonly ids: string[];
}

interface Recent {
  readonly key: string;
  /** The neighbours it was not pushed to (lazy for its origin then): the ones to announce it to. */
  readonly unpushed: ReadonlySet<string>;
  rounds: number;
}

/**
 * One tree per origin, because every node originates: a link that brings a copy of one origin's message is
 * pruned for that origin only, so concurrent floods from many origins cannot prune a node out of every tree.
 * A link is eager until pruned: the first messages of an origin flood, and each duplicate prunes one redundant
 * link, leaving the first-delivery tree. Lazy links carry only ids, now and then; an id that does not arrive by
 * the tree is asked for, which grafts that link back in.
 */
export class GossipTree<M> {
  /** Per origin, the neighbours pruned from its tree. */
  private readonly lazy = new Map<string, Set<string>>();
  /** Recently forwarded or originated messages by key, for GRAFT answers. */
  private readonly cache: TimeCache<{ message: M; origin: string }>;
  /** Peers known to hold a message (sent it to us or announced it): it is never sent or announced to them. */
  private readonly holders: TimeCache<Set<string>>;
  private readonly missing: MissingIds;
  /** PRUNEs sent lately, by `peer origin`: repeated at most once an interval. */
  private readonly pruneSent: TimeCache<true>;
  /** Peers whose empty GRAFT was answered lately: one answer (an IHAVE of recent ids) per interval each. */
  private readonly regraftAnswered: TimeCache<true>;
  /**
   * Peers whose empty GRAFT came within the interval of the last answer: answered once it has passed. Dropped, it
   * would lose every id handled between the two — links churning close together send GRAFTs that close together.
   */
  private readonly regraftOwed = new Set<string>();
  /** Messages handled lately, to announce to the neighbours they were not pushed to. */
  private window: Recent[] = [];
  private lastRound = Number.NEGATIVE_INFINITY;
  /** Where the turn over lazy neighbours continues. */
  private turn = 0;
  /** The connected neighbours (connected minus disconnected): who could push to this node. */
  private readonly neighbours = new Set<string>();
  /** Per origin, its newest message handled here (key, when), to graft a link back with (graftIfCut). */
  private readonly newest = new Map<string, { readonly key: string; readonly at: number }>();
  /**
   * Cut GRAFTs sent lately, by `peer origin`: the copy the neighbour may answer with (it does not know which of its
   * pushes arrived) is no reason to prune the link just grafted.
   */
  private readonly cutGrafted: TimeCache<true>;
  /** Where the turn over neighbours to graft back continues. */
  private cutTurn = 0;

  constructor(readonly options: TreeOptions = DEFAULT_TREE) {
    this.cache = new TimeCache(options.cacheMs, CACHE_CAPACITY);
    this.holders = new TimeCache(options.cacheMs, CACHE_CAPACITY);
    this.pruneSent = new TimeCache(options.lazyIntervalMs, CACHE_CAPACITY);
    this.regraftAnswered = new TimeCache(options.lazyIntervalMs, CACHE_CAPACITY);
    this.cutGrafted = new TimeCache(options.lazyIntervalMs, CACHE_CAPACITY);
    this.missing = new MissingIds(options.graftAfterMs);
  }

  /**
   * A message of `origin` handled here for the first time (from a neighbour, or `from` null when made here).
   * Its sender becomes an eager link of that origin's tree. Returns the neighbours it must not be pushed to:
   * those lazy for its origin and those that hold it already.
   */
  accepted(key: string, origin: string, message: M, from: string | null, now: number): ReadonlySet<string> {
    this.missing.forget(key);
    this.cache.set(key, { message, origin }, now);
    this.newest.set(origin, { key, at: now });
    if (from !== null) {
      this.holds(key, from, now);
      this.lazy.get(origin)?.delete(from);
    }
    const holders = this.holders.get(key, now);
    const unpushed = new Set([...this.lazySet(origin)].filter((peer) => !holders?.has(peer)));
    this.window.push({ key, unpushed, rounds: 0 });
    return new Set([...unpushed, ...(holders ?? [])]);
  }

  /**
   * A copy of a message of `origin` handled before came from `peerId`: true when that link was eager for the
   * origin and is now pruned (tell the peer).
   */
  duplicate(key: string | null, origin: string, peerId: string, now: number): boolean {
    if (key !== null) {
      this.missing.forget(key);
      this.holds(key, peerId, now);
    }
    const lazy = this.lazySet(origin);
    const link = `${peerId} ${origin}`;
    if (this.cutGrafted.has(link, now)) {
      this.cutGrafted.delete(link);
      return false;
    }
    // Already lazy here yet still pushing: its side missed our PRUNE or grafted us since. Say it again, at most
    // once an interval per link and origin, so that a one-sided eager link cannot last.
    if (lazy.has(peerId) && this.pruneSent.has(link, now)) return false;
    lazy.add(peerId);
    this.pruneSent.set(link, true, now);
    return true;
  }

  /** The neighbour pruned us from `origin`'s tree: it gets that origin's ids only. */
  pruned(peerId: string, origin: string): void {
    // Only for an origin whose messages passed here: a PRUNE naming any other origin makes no state.
    this.lazy.get(origin)?.add(peerId);
  }

  /**
   * The neighbour asked for messages (GRAFT): its link is eager again for their origins (for every origin when it
   * names none, as after it lost a link); returns those still cached.
   */
  grafted(peerId: string, ids: readonly string[], now: number): M[] {
    if (ids.length === 0) for (const lazy of this.lazy.values()) lazy.delete(peerId);
    const found: M[] = [];
    for (const id of ids.slice(0, this.options.maxIds)) {
      const entry = this.cache.get(id, now);
      if (entry === undefined) continue;
      // Asking for an id grafts the link into its origin's tree even when the asker holds it: a node cut off
      // from a tree asks with the newest id it has (graftIfCut).
      this.lazy.get(entry.origin)?.delete(peerId);
      // Each message goes to a peer once: asking again for what it was sent (or sent us) costs nothing here.
      if (this.holders.get(id, now)?.has(peerId)) continue;
      this.holds(id, peerId, now);
      found.push(entry.message);
    }
    return found;
  }

  /**
   * Ids still being announced that `peerId` is not known to hold (what a link lazy until now may lack), for the
   * IHAVE that answers its GRAFT — for an empty GRAFT at most once an interval per peer, else nothing.
   */
  recentFor(peerId: string, emptyGraft: boolean, now: number): string[] {
    if (emptyGraft) {
      if (this.regraftAnswered.has(peerId, now)) {
        if (this.regraftOwed.size < CACHE_CAPACITY) this.regraftOwed.add(peerId);
        return [];
      }
      this.regraftAnswered.set(peerId, true, now);
    }
    return this.unheardBy(peerId, now);
  }

  /** Keys of the recent messages still cached that `peerId` is not known to hold, as many as fit one IHAVE. */
  private unheardBy(peerId: string, now: number): string[] {
    return this.fit(
      this.window
        .filter(({ key }) => this.cache.has(key, now) && !this.holders.get(key, now)?.has(peerId))
        .map(({ key }) => key),
    );
  }

  /** The newest of `ids` that fit one IHAVE or GRAFT (maxIds, maxIdChars), oldest first. */
  private fit(ids: readonly string[]): string[] {
    const kept: string[] = [];
    let chars = 0;
    for (let i = ids.length - 1; i >= 0 && kept.length < this.options.maxIds; i--) {
      chars += ids[i]!.length + 3;
      if (chars > this.options.maxIdChars) break;
      kept.push(ids[i]!);
    }
    return kept.reverse();
  }

  /** The neighbour announced ids (IHAVE); `has` says which this node handled already. */
  announced(peerId: string, ids: readonly string[], has: (key: string) => boolean, now: number): void {
    for (const id of ids.slice(0, this.options.maxIds)) {
      this.holds(id, peerId, now);
      if (has(id)) continue;
      this.missing.announced(id, peerId, now);
    }
  }

  /**
   * A new link starts eager in every tree. Returns the ids of recent messages to announce to the new neighbour:
   * what was handled while it was not linked here reaches it by no push, and a light node has no sync to repair it.
   */
  connected(peerId: string, now: number): string[] {
    this.neighbours.add(peerId);
    for (const lazy of this.lazy.values()) lazy.delete(peerId);
    return this.unheardBy(peerId, now);
  }

  /**
   * When every link of this node is lazy for `origin` (PRUNEs crossing copies in flight can prune a node from
   * all sides at once), nothing of that origin reaches it any more: one link, in turn and other than `not` when
   * there is a choice, is grafted back with the key of the origin's newest message here, which makes the
   * neighbour push that origin's messages here again (grafted) and announce what it has that this node lacks.
   * Only a key well inside the cache period is used, so that the neighbour still knows it: a key it has
   * forgotten would leave the link eager on this side only. The copy it may answer with prunes nothing.
   */
  graftIfCut(origin: string, not: string | null, now: number): GraftRequest | null {
    const lazy = this.lazy.get(origin);
    const newest = this.newest.get(origin);
    if (lazy === undefined || newest === undefined || this.neighbours.size === 0) return null;
    if (now - newest.at > this.options.cacheMs / 2) return null;
    for (const peer of this.neighbours) if (!lazy.has(peer)) return null;
    const choices = [...this.neighbours].filter((peer) => peer !== not || this.neighbours.size === 1).sort();
    const peerId = choices[this.cutTurn++ % choices.length]!;
    lazy.delete(peerId);
    this.cutGrafted.set(`${peerId} ${origin}`, true, now);
    return { peerId, ids: [newest.key] };
  }

  /**
   * A link went away. When it was eager in some tree that tree may be cut here: every lazy link is grafted back
   * (returned, to be sent an empty GRAFT), and the duplicates that follow prune the surplus again.
   */
  disconnected(peerId: string): string[] {
    this.neighbours.delete(peerId);
    this.regraftOwed.delete(peerId);
    let eager = this.lazy.size === 0;
    for (const lazy of this.lazy.values()) if (!lazy.delete(peerId)) eager = true;
    if (!eager) return [];
    const regrafted = new Set<string>();
    for (const lazy of this.lazy.values()) for (const peer of lazy) regrafted.add(peer);
    this.lazy.clear();
    return [...regrafted].sort();
  }

  /** A neighbour moved to a new key: its link keeps its place in every tree under the new id. */
  renamed(fromId: string, toId: string): void {
    if (this.neighbours.delete(fromId)) this.neighbours.add(toId);
    if (this.regraftOwed.delete(fromId)) this.regraftOwed.add(toId);
    for (const lazy of this.lazy.values()) if (lazy.delete(fromId)) lazy.add(toId);
  }

  isLazy(peerId: string, origin: string): boolean {
    return this.lazy.get(origin)?.has(peerId) ?? false;
  }

  /**
   * Time-driven work: once per interval the messages handled in the last `lazyRounds` rounds are announced to
   * the next `lazyFanout` neighbours in turn that they were not pushed to (less what each holds); announced ids
   * overdue are asked for, of one announcer each, in turn.
   */
  tick(
    now: number,
    connected: (peerId: string) => boolean,
  ): { announce: LazyAnnouncement[]; graft: GraftRequest[] } {
    const announce: LazyAnnouncement[] = [];
    if (now - this.lastRound >= this.options.lazyIntervalMs) {
      this.lastRound = now;
      this.window = this.window.filter(
        (entry) => entry.rounds < this.options.lazyRounds && this.cache.has(entry.key, now),
      );
      const due = this.window.slice(-this.options.maxIds);
      for (const entry of due) entry.rounds++;
      const candidates = new Set<string>();
      for (const entry of due) for (const peer of entry.unpushed) candidates.add(peer);
      const lazy = [...candidates].filter(connected).sort();
      // The next links in turn that have something to hear; a link holding every id is passed over.
      const start = this.turn;
      for (let i = 0; i < lazy.length && announce.length < this.options.lazyFanout; i++) {
        const peerId = lazy[(start + i) % lazy.length]!;
        const ids = this.fit(
          due
            .filter((entry) => entry.unpushed.has(peerId) && !this.holders.get(entry.key, now)?.has(peerId))
            .map((entry) => entry.key),
        );
        if (ids.length === 0) continue;
        announce.push({ peerId, ids });
        this.turn = start + i + 1;
      }
    }
    return {
      announce: [...announce, ...this.owedAnswers(now, connected)],
      graft: this.overdue(now, connected),
    };
  }

  /** The answers to empty GRAFTs held back by the once-an-interval rule whose interval has passed. */
  private owedAnswers(now: number, connected: (peerId: string) => boolean): LazyAnnouncement[] {
    const answers: LazyAnnouncement[] = [];
    for (const peerId of this.regraftOwed) {
      const gone = !connected(peerId);
      if (!gone && this.regraftAnswered.has(peerId, now)) continue;
      this.regraftOwed.delete(peerId);
      if (gone) continue;
      const ids = this.recentFor(peerId, true, now);
      if (ids.length > 0) answers.push({ peerId, ids });
    }
    return answers;
  }

  private overdue(now: number, connected: (peerId: string) => boolean): GraftRequest[] {
    // What does not fit one GRAFT waits for its next try.
    return [...this.missing.overdue(now, connected)].map(([peerId, ids]) => ({ peerId, ids: this.fit(ids) }));
  }

  prune(now: number): void {
    this.cache.prune(now);
    this.holders.prune(now);
    this.cutGrafted.prune(now);
    for (const [origin, { at }] of this.newest)
      if (now - at > this.options.cacheMs) this.newest.delete(origin);
  }

  private lazySet(origin: string): Set<string> {
    let lazy = this.lazy.get(origin);
    if (lazy === undefined) {
      lazy = new Set();
      this.lazy.set(origin, lazy);
    }
    return lazy;
  }

  private holds(key: string, peerId: string, now: number): void {
    const peers = this.holders.get(key, now);
    if (peers === undefined) this.holders.set(key, new Set([peerId]), now);
    else peers.add(peerId);
  }
}
