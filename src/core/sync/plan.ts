// The sync planner: which block part to fetch from which peer, in parallel across different peers, critical
// events before commits, never twice once applied; a peer that stalls or lies loses its share and its standing.
import { accept, type Outcome, reject } from '../outcome.js';
import { BLOCK_PARTS, type BlockPart } from './blocks.js';

/** One request's worth of work: one part of the block a peer has at `height` with block root `root`. */
export interface FetchTask {
  readonly height: number;
  readonly root: string;
  readonly part: BlockPart;
}

export interface Assignment extends FetchTask {
  readonly peerId: string;
}

/** What is already applied (verified and stored): a whole height whatever its root, one block, or one part. */
export interface AppliedRef {
  readonly height: number;
  readonly root?: string;
  readonly part?: BlockPart;
}

export type FailureKind = 'timeout' | 'invalid';

export interface PlannerOptions {
  /** Requests outstanding per peer at most. */
  readonly maxInFlightPerPeer: number;
  /** The highest height a peer can honestly claim now (see maxPlausibleHeight in blocks.ts). */
  readonly maxHeight: number;
}

/** Score lost per failure: serving something that fails verification is worse than being slow. */
export const FAILURE_PENALTY: Readonly<Record<FailureKind, number>> = { timeout: 10, invalid: 100 };

export interface PeerProgress {
  readonly claimedLatest: number;
  readonly score: number;
  readonly bad: boolean;
  readonly inFlight: number;
  readonly assigned: number;
  readonly completed: number;
}

type TaskState = 'pending' | 'inflight' | 'done' | 'stranded';

interface Task extends FetchTask {
  state: TaskState;
  peer: string | null;
  readonly sources: Set<string>;
}

interface Peer {
  claimedLatest: number;
  score: number;
  bad: boolean;
  inFlight: number;
  assigned: number;
  completed: number;
}

const taskKey = (height: number, root: string, part: BlockPart): string => `${height}:${root}:${part}`;

/** Critical parts of every block first (oldest first), then commit parts: a revocation is never kept waiting. */
function compareTasks(a: Task, b: Task): number {
  if (a.part !== b.part) return a.part === 'critical' ? -1 : 1;
  if (a.height !== b.height) return a.height - b.height;
  return a.root < b.root ? -1 : a.root > b.root ? 1 : 0;
}

/**
 * Pure bookkeeping; the shell sends the requests, times them out and verifies answers, and reports back.
 * A block that differs with several peers in the same way (same root) is one job any of them can serve; a
 * different root at one height is a different block, fetched separately, so a sync yields the union.
 */
export class SyncPlanner {
  private readonly peers = new Map<string, Peer>();
  private readonly tasks = new Map<string, Task>();
  private order: Task[] = [];
  private head = 0;
  private criticalOpen = 0;
  private readonly appliedHeights = new Set<number>();
  private readonly appliedKeys = new Set<string>();

  constructor(
    private readonly options: PlannerOptions,
    applied: Iterable<AppliedRef> = [],
  ) {
    for (const ref of applied) this.markApplied(ref);
  }

  /**
   * A peer with the heights in which it differs from this node (and its block root for each). Refused when
   * it claims a height its clock cannot have closed; heights above its own claim are left out.
   */
  addPeer(peerId: string, claimedLatest: number, differing: ReadonlyMap<number, string>): Outcome<void> {
    if (!Number.isSafeInteger(claimedLatest) || claimedLatest > this.options.maxHeight) {
      return reject('TM_ERR_SYNC_HEIGHT_IMPLAUSIBLE', `${claimedLatest} > ${this.options.maxHeight}`);
    }
    const held = this.peers.get(peerId);
    if (held === undefined)
      this.peers.set(peerId, {
        claimedLatest,
        score: 0,
        bad: false,
        inFlight: 0,
        assigned: 0,
        completed: 0,
      });
    else held.claimedLatest = claimedLatest;
    for (const [height, root] of differing) {
      if (!Number.isSafeInteger(height) || height < 0 || height > claimedLatest) continue;
      for (const part of BLOCK_PARTS) this.addSource(peerId, height, root, part);
    }
    this.rebuild();
    return accept(undefined);
  }

  private addSource(peerId: string, height: number, root: string, part: BlockPart): void {
    if (this.isApplied({ height, root, part })) return;
    const key = taskKey(height, root, part);
    let task = this.tasks.get(key);
    if (task === undefined) {
      task = { height, root, part, state: 'pending', peer: null, sources: new Set() };
      this.tasks.set(key, task);
      if (part === 'critical') this.criticalOpen++;
    }
    task.sources.add(peerId);
    if (task.state === 'stranded') {
      task.state = 'pending';
      if (part === 'critical') this.criticalOpen++;
    }
  }

  private rebuild(): void {
    this.order = [...this.tasks.values()].sort(compareTasks);
    this.head = 0;
  }

  isApplied(ref: { height: number; root: string; part: BlockPart }): boolean {
    return (
      this.appliedHeights.has(ref.height) ||
      this.appliedKeys.has(`${ref.height}:${ref.root}`) ||
      this.appliedKeys.has(taskKey(ref.height, ref.root, ref.part))
    );
  }

  /** Records work applied outside this planner (before a restart, or by anti-entropy); it is never fetched. */
  markApplied(ref: AppliedRef): void {
    if (ref.root === undefined) this.appliedHeights.add(ref.height);
    else if (ref.part === undefined) this.appliedKeys.add(`${ref.height}:${ref.root}`);
    else this.appliedKeys.add(taskKey(ref.height, ref.root, ref.part));
    for (const task of this.tasks.values()) {
      if (task.state !== 'done' && this.isApplied(task)) this.finish(task);
    }
  }

  /**
   * Hands out every assignment possible now: each open task, in order, to the least-loaded good peer that
   * has it and a free slot, so consecutive blocks go to different peers. Commit parts wait until no critical
   * part is open.
   */
  next(): Assignment[] {
    const out: Assignment[] = [];
    while (this.head < this.order.length && this.order[this.head]!.state !== 'pending') this.head++;
    for (let i = this.head; i < this.order.length && this.hasFreeSlot(); i++) {
      const task = this.order[i]!;
      if (task.state !== 'pending') continue;
      if (task.part === 'commits' && this.criticalOpen > 0) break;
      const peerId = this.pickSource(task);
      if (peerId === null) {
        if (![...task.sources].some((id) => !this.peers.get(id)!.bad)) this.strand(task);
        continue;
      }
      const peer = this.peers.get(peerId)!;
      task.state = 'inflight';
      task.peer = peerId;
      peer.inFlight++;
      peer.assigned++;
      out.push({ height: task.height, root: task.root, part: task.part, peerId });
    }
    return out;
  }

  private hasFreeSlot(): boolean {
    for (const peer of this.peers.values()) {
      if (!peer.bad && peer.inFlight < this.options.maxInFlightPerPeer) return true;
    }
    return false;
  }

  private pickSource(task: Task): string | null {
    let best: string | null = null;
    let bestPeer: Peer | null = null;
    for (const id of task.sources) {
      const peer = this.peers.get(id)!;
      if (peer.bad || peer.inFlight >= this.options.maxInFlightPerPeer) continue;
      const better =
        bestPeer === null ||
        peer.inFlight < bestPeer.inFlight ||
        (peer.inFlight === bestPeer.inFlight &&
          (peer.assigned < bestPeer.assigned || (peer.assigned === bestPeer.assigned && id < best!)));
      if (better) {
        best = id;
        bestPeer = peer;
      }
    }
    return best;
  }

  private strand(task: Task): void {
    task.state = 'stranded';
    if (task.part === 'critical') this.criticalOpen--;
  }

  private finish(task: Task): void {
    if (task.state === 'inflight' && task.peer !== null) this.peers.get(task.peer)!.inFlight--;
    if (task.part === 'critical' && (task.state === 'pending' || task.state === 'inflight'))
      this.criticalOpen--;
    task.state = 'done';
    task.peer = null;
  }

  /**
   * The peer served the part completely and every entry verified (and, the block complete, its root
   * matched). False for an answer nobody is waiting for (late, from a peer that lost the task).
   */
  completed(peerId: string, task: FetchTask): boolean {
    const held = this.tasks.get(taskKey(task.height, task.root, task.part));
    if (held === undefined || held.state !== 'inflight' || held.peer !== peerId) return false;
    this.peers.get(peerId)!.completed++;
    this.finish(held);
    this.appliedKeys.add(taskKey(task.height, task.root, task.part));
    return true;
  }

  /**
   * The peer timed out or served something that failed verification: it is marked bad and scored down, and
   * every task it held goes back to be served by another peer. Returns the assignments taken away (their
   * late answers must be dropped).
   */
  failed(peerId: string, kind: FailureKind): Assignment[] {
    const peer = this.peers.get(peerId);
    if (peer === undefined) return [];
    peer.score -= FAILURE_PENALTY[kind];
    peer.bad = true;
    const revoked: Assignment[] = [];
    this.order.forEach((task, index) => {
      if (task.state !== 'inflight' || task.peer !== peerId) return;
      revoked.push({ height: task.height, root: task.root, part: task.part, peerId });
      task.state = 'pending';
      task.peer = null;
      this.head = Math.min(this.head, index);
    });
    peer.inFlight = 0;
    return revoked;
  }

  /** Every task is done, or has no good peer left to serve it (see `stranded`). */
  get done(): boolean {
    return [...this.tasks.values()].every((task) => task.state === 'done' || this.unservable(task));
  }

  private unservable(task: Task): boolean {
    return task.state !== 'inflight' && ![...task.sources].some((id) => !this.peers.get(id)!.bad);
  }

  /** Tasks that no good peer can serve any more: a later round with other peers must cover them. */
  get stranded(): FetchTask[] {
    return [...this.tasks.values()]
      .filter((task) => task.state !== 'done' && this.unservable(task))
      .map(({ height, root, part }) => ({ height, root, part }));
  }

  peer(peerId: string): PeerProgress | undefined {
    const peer = this.peers.get(peerId);
    return peer === undefined ? undefined : { ...peer };
  }

  progress(): { total: number; done: number; inFlight: number } {
    let done = 0;
    let inFlight = 0;
    for (const task of this.tasks.values()) {
      if (task.state === 'done') done++;
      else if (task.state === 'inflight') inFlight++;
    }
    return { total: this.tasks.size, done, inFlight };
  }
}
