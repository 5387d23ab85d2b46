// Where catch-up sync (anti-entropy) plugs into the simulator: told when a link comes back, offered every frame.
// The simulator ships without one: live gossip alone is what converges today; a sync driver adds the rest.
import type { MeshEngine } from '../core/engine/engine.js';
import type { MemoryLedger } from '../core/memory/memory-ledger.js';
import type { Message } from '../core/messages/schemas.js';

/** What a sync driver may see and do inside a run. */
export interface SimSyncContext {
  /** Virtual time now. */
  now(): number;
  readonly nodeCount: number;
  /** A node's running engine and stored ledger; null while it is crashed. */
  node(
    index: number,
  ): { readonly nodeId: string; readonly engine: MeshEngine; readonly ledger: MemoryLedger } | null;
  /** The node's neighbours in the topology (whether or not the links are up now). */
  neighbours(index: number): readonly number[];
  /** Whether a frame from `a` to `b` would be carried now: both running and connected, no partition between. */
  linkUp(a: number, b: number): boolean;
  /** Sends a frame over the simulated link (its latency, loss, bandwidth and partitions apply). */
  send(from: number, to: number, message: Message): void;
  /** Adds a line to the run's event log (and so to its digest). */
  log(node: number, event: string): void;
}

export interface SimSync {
  /** Named in results, so a run says which sync (if any) it had. */
  readonly name: string;
  /**
   * The link between `a` and `b` is usable again: both ends up and connected after a restart, a churned node's
   * return, or a partition's heal (the daemon would run anti-entropy after every reconnection).
   */
  linkRestored(context: SimSyncContext, a: number, b: number): void;
  /**
   * Offered every frame before the receiving engine sees it; true means the driver consumed it (its own
   * request/response types), false hands it on to `MeshEngine.handle`.
   */
  handle?(context: SimSyncContext, to: number, from: number, message: Message): boolean;
  /** Called on every tick step (every 250 virtual ms), for periodic anti-entropy. */
  tick?(context: SimSyncContext): void;
}
