// Safety properties checked while a run goes: committed state agrees, a minority side commits nothing new,
// and an applied revocation keeps its agent revoked. A violation names the seed and step that replay it.
import type { Scenario } from './scenario.js';
import type { SimNode } from './sim-node.js';

export interface Violation {
  readonly invariant: 'state-agreement' | 'minority-commit' | 'partition-crossed' | 'revocation-lost';
  readonly seed: number;
  /** Events processed when it was found: `runSimulation(scenario, { seed, untilStep: step })` stops there. */
  readonly step: number;
  readonly timeMs: number;
  readonly node: number;
  readonly detail: string;
}

interface AppliedRevocation {
  readonly id: string;
  readonly agentId: string;
  readonly principalId: string;
}

export class InvariantChecker {
  readonly violations: Violation[] = [];
  private readonly revocations = new Map<number, AppliedRevocation[]>();
  private readonly dirty = new Set<number>();
  private readonly totalStake: number;
  checks = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly nodes: readonly SimNode[],
    private readonly seed: number,
  ) {
    this.totalStake = scenario.stakes.reduce((sum, stake) => sum + stake, 0);
  }

  /** The node's stored entries changed (state hash and records must be looked at again). */
  noteChanged(node: number): void {
    this.dirty.add(node);
  }

  noteRevocation(node: number, revocation: AppliedRevocation): void {
    const list = this.revocations.get(node) ?? [];
    list.push(revocation);
    this.revocations.set(node, list);
  }

  /** Stake on `node`'s side of partition `side` (the side holding it, or everyone else). */
  private sideStake(side: ReadonlySet<number>, node: number): number {
    const inside = side.has(node);
    let stake = 0;
    for (let i = 0; i < this.scenario.nodes; i++)
      if (side.has(i) === inside) stake += this.scenario.stakes[i]!;
    return stake;
  }

  /**
   * A commit made at `node` (its proposer) at `time`, for a proposal opened at `proposedAt`: on a side of an
   * active partition holding at most half the stake, only a proposal opened before the cut may still commit
   * (with votes that were already on their way).
   */
  checkOwnCommit(
    step: number,
    time: number,
    node: number,
    proposedAt: number,
    active: Iterable<number>,
  ): void {
    for (const index of active) {
      const partition = this.scenario.partitions[index]!;
      if (proposedAt < partition.atMs) continue;
      const stake = this.sideStake(partition.side, node);
      if (2 * stake <= this.totalStake) {
        this.fail(
          'minority-commit',
          step,
          time,
          node,
          `committed with ${stake}/${this.totalStake} stake on its side of partition ${index}`,
        );
      }
    }
  }

  /** A commit made after a cut reached a node across it (the caller checked): the simulated wire leaked. */
  checkArrivedCommit(step: number, time: number, node: number, origin: number, committedAt: number): void {
    this.fail(
      'partition-crossed',
      step,
      time,
      node,
      `commit made by n${origin} at ${committedAt.toFixed(3)} crossed a partition`,
    );
  }

  /** The cheap periodic part: nodes that hold the same entries have the same state hash; revocations hold. */
  step(step: number, time: number): void {
    if (this.dirty.size === 0) return;
    this.checks++;
    for (const index of this.dirty) {
      const node = this.nodes[index]!;
      for (const revocation of this.revocations.get(index) ?? []) {
        const record = node.ledger.record(revocation.agentId, revocation.principalId);
        const open = node.ledger.openRevocations(revocation.agentId, revocation.principalId);
        if (record === null || (!record.revoked && open.includes(revocation.id))) {
          this.fail(
            'revocation-lost',
            step,
            time,
            index,
            `${revocation.agentId} reads as not revoked after ${revocation.id}`,
          );
        }
      }
    }
    this.dirty.clear();
    const byEntries = new Map<string, { node: number; hash: string }>();
    for (const node of this.nodes) {
      const key = node.fingerprintKey();
      const hash = node.ledger.stateHash();
      const first = byEntries.get(key);
      if (first === undefined) byEntries.set(key, { node: node.index, hash });
      else if (first.hash !== hash) {
        this.fail(
          'state-agreement',
          step,
          time,
          node.index,
          `same entries as n${first.node} but state hash ${hash.slice(0, 12)} ≠ ${first.hash.slice(0, 12)}`,
        );
      }
    }
  }

  private fail(
    invariant: Violation['invariant'],
    step: number,
    time: number,
    node: number,
    detail: string,
  ): void {
    this.violations.push({ invariant, seed: this.seed, step, timeMs: time, node, detail });
  }
}

export function describeViolation(violation: Violation, scenarioName: string): string {
  return (
    `invariant ${violation.invariant} broken at step ${violation.step} (t=${violation.timeMs.toFixed(3)} ms, n${violation.node}): ` +
    `${violation.detail}. Replay: trust-mesh simulate ${scenarioName} --seed ${violation.seed} --until-step ${violation.step}`
  );
}
