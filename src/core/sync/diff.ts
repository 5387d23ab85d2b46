// Finding the blocks in which two nodes differ: a level-by-level descent of both Merkle summaries, asking the
// peer only for the children of nodes whose roots differ, so k differences cost about k·16·log16(n) roots.
import { childrenOf, type MerkleSummary, type SummaryNode } from './summary.js';

/** What one answer of the peer leads to: nodes to ask about next, and blocks found to differ (with the peer's root). */
export interface DiffStep {
  readonly descend: SummaryNode[];
  readonly differing: { height: number; root: string }[];
  /** Asked nodes the answer did not cover (it was cut short to fit a frame): ask again. */
  readonly unanswered: SummaryNode[];
}

/**
 * Compares the peer's roots for `asked` (in order; a shorter list is a prefix) with this node's. An equal root
 * ends the descent there; a differing block is reported; a differing higher node is replaced by its children.
 */
export function diffStep(
  mine: MerkleSummary,
  asked: readonly SummaryNode[],
  theirRoots: readonly string[],
): DiffStep {
  const descend: SummaryNode[] = [];
  const differing: { height: number; root: string }[] = [];
  const answered = Math.min(asked.length, theirRoots.length);
  for (let i = 0; i < answered; i++) {
    const node = asked[i]!;
    const theirs = theirRoots[i]!;
    if (mine.nodeRoot(node) === theirs) continue;
    if (node.level === 0) differing.push({ height: node.index, root: theirs });
    else descend.push(...childrenOf(node, mine.top));
  }
  return { descend, differing, unanswered: asked.slice(answered) };
}

/**
 * The whole descent against one peer, as a small state machine the shell drives: `nextQuery` gives the nodes
 * to put in one SYNC_ROOTS_REQUEST (all of one level), `receive` takes the answer. Both sides must use the
 * same `top` (the requester's summary is built for min(own latest, the peer's)).
 */
export class SummaryDiff {
  private queue: SummaryNode[] = [];
  private readonly found = new Map<number, string>();
  private rounds = 0;

  constructor(
    private readonly mine: MerkleSummary,
    peerRoot: string,
  ) {
    if (mine.top >= 0 && mine.root() !== peerRoot) {
      const root = mine.rootNode();
      if (root.level === 0) this.found.set(0, peerRoot);
      else this.queue = childrenOf(root, mine.top);
    }
  }

  get done(): boolean {
    return this.queue.length === 0;
  }

  /** SYNC_ROOTS round trips made so far. */
  get roundTrips(): number {
    return this.rounds;
  }

  /** Differing heights found so far, with the peer's block root for each. */
  get differing(): ReadonlyMap<number, string> {
    return this.found;
  }

  /** Up to `max` nodes of the highest pending level: levels are asked root-down, one level per query. */
  nextQuery(max: number): { level: number; indexes: number[] } | null {
    if (this.queue.length === 0) return null;
    const level = this.queue.reduce((highest, node) => Math.max(highest, node.level), 0);
    const batch = this.queue.filter((node) => node.level === level).slice(0, Math.max(1, max));
    return { level, indexes: batch.map((node) => node.index) };
  }

  /** Takes the peer's roots for a query made with nextQuery. */
  receive(query: { level: number; indexes: readonly number[] }, roots: readonly string[]): void {
    this.rounds++;
    const asked = query.indexes.map((index) => ({ level: query.level, index }));
    const askedKeys = new Set(asked.slice(0, roots.length).map((node) => `${node.level}:${node.index}`));
    const step = diffStep(this.mine, asked, roots);
    this.queue = this.queue.filter((node) => !askedKeys.has(`${node.level}:${node.index}`));
    this.queue.push(...step.descend);
    for (const { height, root } of step.differing) this.found.set(height, root);
  }
}
