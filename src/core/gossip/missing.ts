// Ids announced to this node (IHAVE) that it has not received: who announced each, and when to ask for it next.
// Pure bookkeeping on the time passed in, bounded in total and per announcer; the tree turns it into GRAFTs.

/** Ids announced to this node but not received, chased at most. */
const MISSING_CAPACITY = 4_096;
/**
 * Ids first announced by one peer chased at most: a peer announcing ids that do not exist fills only its own
 * share, and the ids honest peers announce are still chased.
 */
const MISSING_PER_ANNOUNCER = 512;
/** Times one missing id is asked for, each time of the next announcer, before it is given up (sync repairs). */
const GRAFT_ATTEMPTS = 3;

interface Missing {
  readonly announcers: string[];
  due: number;
  attempts: number;
}

export class MissingIds {
  private readonly missing = new Map<string, Missing>();
  /** Ids being chased, by the peer that announced each first. */
  private readonly chasedFor = new Map<string, number>();

  /** @param graftAfterMs how long an announced id waits for its eager copy before it is asked for */
  constructor(private readonly graftAfterMs: number) {}

  /** `peerId` announced `id`, which this node lacks: chased if there is room in the total and in its share. */
  announced(id: string, peerId: string, now: number): void {
    const known = this.missing.get(id);
    if (known !== undefined) {
      if (!known.announcers.includes(peerId)) known.announcers.push(peerId);
      return;
    }
    if (this.missing.size >= MISSING_CAPACITY || (this.chasedFor.get(peerId) ?? 0) >= MISSING_PER_ANNOUNCER)
      return;
    this.missing.set(id, { announcers: [peerId], due: now + this.graftAfterMs, attempts: 0 });
    this.chasedFor.set(peerId, (this.chasedFor.get(peerId) ?? 0) + 1);
  }

  /**
   * The ids overdue, grouped by the announcer to ask next (each try the next live announcer in turn); an id
   * asked for GRAFT_ATTEMPTS times, or with no announcer left connected, is given up.
   */
  overdue(now: number, connected: (peerId: string) => boolean): Map<string, string[]> {
    const byPeer = new Map<string, string[]>();
    for (const [id, entry] of this.missing) {
      if (entry.due > now) continue;
      const live = entry.announcers.filter(connected);
      const announcer = live[entry.attempts % Math.max(1, live.length)];
      if (announcer === undefined || entry.attempts >= GRAFT_ATTEMPTS) {
        this.forget(id);
        continue;
      }
      entry.attempts++;
      entry.due = now + this.graftAfterMs;
      const ids = byPeer.get(announcer) ?? [];
      ids.push(id);
      byPeer.set(announcer, ids);
    }
    return byPeer;
  }

  /** Stops chasing an id, and frees its place in the share of the peer that announced it first. */
  forget(id: string): void {
    const entry = this.missing.get(id);
    if (entry === undefined) return;
    this.missing.delete(id);
    const first = entry.announcers[0]!;
    const left = (this.chasedFor.get(first) ?? 1) - 1;
    if (left > 0) this.chasedFor.set(first, left);
    else this.chasedFor.delete(first);
  }
}
