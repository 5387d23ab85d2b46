// Who is who: genesis stake, key rotations, blacklisting (all derived from the ledger), now or as of any instant.
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
  /** Blacklisted ids with the earliest instant a BLACKLIST against them is dated (−∞ when not known). */
  private readonly blacklisted = new Map<string, number>();
  /**
   * Public keys by node id: the network file's and every rotation's new key. A node id is the SHA-256 of its
   * key, so a key known here is the only one its id can have: commits carry votes without keys (§6.4).
   */
  private readonly keys = new Map<string, string>();

  constructor(network: Network) {
    for (const node of network.nodes) {
      if (node.nodeId === undefined) continue;
      this.genesisStake.set(node.nodeId, node.stake);
      if (node.publicKey !== undefined) this.keys.set(node.nodeId, node.publicKey);
    }
  }

  /** The base64 public key of `nodeId`, if the network file or a rotation this node applied named it. */
  publicKeyOf(nodeId: string): string | undefined {
    return this.keys.get(nodeId);
  }

  /** Every key known here, by node id (sorted): what a browser needs to expand a commit's votes. */
  publicKeys(): Array<{ nodeId: string; publicKey: string }> {
    return [...this.keys]
      .map(([nodeId, publicKey]) => ({ nodeId, publicKey }))
      .sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
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
   * `toKey` is the new id's public key (its SHA-256 is `to`, which the rotation's checks made sure of); it is
   * kept even when the rotation loses, since the id can have no other key.
   */
  applyRotation(from: string, to: string, order: OrderKey, toKey?: string): boolean {
    if (toKey !== undefined) this.keys.set(to, toKey);
    const existing = this.rotations.get(from);
    if (existing && compareOrder(existing, order) <= 0) return false;
    if (existing) this.predecessors.delete(existing.to);
    this.rotations.set(from, { ...order, to });
    this.predecessors.set(to, from);
    return true;
  }

  /**
   * Records a blacklisting dated `at` (ms; a blacklisting of unknown date counts since forever). Returns false
   * when the offender was blacklisted already; an earlier date still moves its start back.
   */
  applyBlacklist(offender: string, at = Number.NEGATIVE_INFINITY): boolean {
    const held = this.blacklisted.get(offender);
    if (held !== undefined) {
      if (at < held) this.blacklisted.set(offender, at);
      return false;
    }
    this.blacklisted.set(offender, at);
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

  /**
   * A blacklisting covers the offender's whole identity, before and after any rotation. With `at`, only
   * blacklistings dated at or before that instant count (the table in force then); without, every one.
   */
  isBlacklisted(nodeId: string, at?: number): boolean {
    if (this.blacklisted.size === 0) return false;
    return this.chainOf(nodeId).some((id) => {
      const since = this.blacklisted.get(id);
      return since !== undefined && (at === undefined || since <= at);
    });
  }

  /**
   * Whether `nodeId` was the key in force for its identity at `at`: from the rotation that created it (a
   * network-file id: always) until the rotation away from it, exclusive. A retired key signs nothing valid
   * after its rotation, and a successor key nothing before it.
   */
  keyInForce(nodeId: string, at: number): boolean {
    const into = this.predecessors.get(nodeId);
    if (into !== undefined && at < this.rotations.get(into)!.at) return false;
    const away = this.rotations.get(nodeId);
    return away === undefined || at < away.at;
  }

  /**
   * Voting weight of the identity behind `nodeId`: its genesis stake, which moves along rotations; 0 once
   * blacklisted (as of `at` when given).
   */
  stakeOf(nodeId: string, at?: number): number {
    const chain = this.chainOf(nodeId);
    if (this.isBlacklisted(chain[0]!, at)) return 0;
    return chain.reduce((sum, id) => sum + (this.genesisStake.get(id) ?? 0), 0);
  }

  /** Current ids of every identity with stake and no blacklisting (as of `at` when given). */
  validators(at?: number): string[] {
    const current = new Set<string>();
    for (const id of this.genesisStake.keys()) current.add(this.currentId(id));
    return [...current].filter((id) => this.stakeOf(id, at) > 0).sort();
  }

  /** Stake of every identity not blacklisted (as of `at` when given): what a quorum is measured against. */
  totalActiveStake(at?: number): number {
    return this.validators(at).reduce((sum, id) => sum + this.stakeOf(id, at), 0);
  }
}
