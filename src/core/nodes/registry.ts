// Who is who: genesis stake, key rotations, blacklisting (all derived from the ledger) and locally known nodes.
// Stake weights depend only on the network file and committed ledger entries, so honest nodes agree on quorums.
import type { Network } from '../network.js';
import { compareOrder, type OrderKey } from '../time.js';

interface RotationLink extends OrderKey {
  readonly to: string;
}

/** Longest chain of rotations followed; deeper chains are treated as broken (and carry no stake). */
const MAX_CHAIN = 64;

export class NodeRegistry {
  private readonly genesisStake = new Map<string, number>();
  private readonly rotations = new Map<string, RotationLink>();
  private readonly predecessors = new Map<string, string>();
  private readonly blacklisted = new Set<string>();

  constructor(network: Network) {
    for (const node of network.nodes) {
      if (node.nodeId !== undefined) this.genesisStake.set(node.nodeId, node.stake);
    }
  }

  /**
   * A member of the network: listed in the network file (with or without stake), or the rotated successor of
   * one. Members propose updates and issue critical events; anyone else able to connect could otherwise write.
   */
  isMember(nodeId: string): boolean {
    return this.genesisStake.has(this.chainOf(nodeId)[0]!);
  }

  isGenesisNode(nodeId: string): boolean {
    return this.genesisStake.has(nodeId);
  }

  /**
   * Records `from` → `to`. When two rotations leave the same id, the earlier by (timestamp, id, origin) wins on
   * every node whatever the arrival order. Returns false if this rotation lost to (or repeats) an existing one.
   */
  applyRotation(from: string, to: string, order: OrderKey): boolean {
    const existing = this.rotations.get(from);
    if (existing && compareOrder(existing, order) <= 0) return false;
    if (existing) this.predecessors.delete(existing.to);
    this.rotations.set(from, { ...order, to });
    this.predecessors.set(to, from);
    return true;
  }

  applyBlacklist(offender: string): boolean {
    if (this.blacklisted.has(offender)) return false;
    this.blacklisted.add(offender);
    return true;
  }

  /** The id's rotation, if its key was rotated away. */
  rotationOf(nodeId: string): (OrderKey & { to: string }) | undefined {
    return this.rotations.get(nodeId);
  }

  /** Follows rotations to the id currently in use. */
  currentId(nodeId: string): string {
    let id = nodeId;
    for (let depth = 0; depth < MAX_CHAIN; depth++) {
      const next = this.rotations.get(id);
      if (next === undefined) return id;
      id = next.to;
    }
    return id;
  }

  /** Every id of one identity, oldest first. */
  chainOf(nodeId: string): string[] {
    let root = nodeId;
    for (let depth = 0; depth < MAX_CHAIN; depth++) {
      const previous = this.predecessors.get(root);
      if (previous === undefined) break;
      root = previous;
    }
    const chain = [root];
    for (let depth = 0; depth < MAX_CHAIN; depth++) {
      const next = this.rotations.get(chain[chain.length - 1]!);
      if (next === undefined) break;
      chain.push(next.to);
    }
    return chain;
  }

  /** A blacklisting covers the offender's whole identity, before and after any rotation. */
  isBlacklisted(nodeId: string): boolean {
    if (this.blacklisted.size === 0) return false;
    return this.chainOf(nodeId).some((id) => this.blacklisted.has(id));
  }

  /** Voting weight of the identity behind `nodeId`: its genesis stake, which moves along rotations. */
  stakeOf(nodeId: string): number {
    const chain = this.chainOf(nodeId);
    if (chain.some((id) => this.blacklisted.has(id))) return 0;
    return chain.reduce((sum, id) => sum + (this.genesisStake.get(id) ?? 0), 0);
  }

  /** Current ids of every identity with stake and no blacklisting. */
  validators(): string[] {
    const current = new Set<string>();
    for (const id of this.genesisStake.keys()) current.add(this.currentId(id));
    return [...current].filter((id) => this.stakeOf(id) > 0).sort();
  }

  totalActiveStake(): number {
    return this.validators().reduce((sum, id) => sum + this.stakeOf(id), 0);
  }
}
