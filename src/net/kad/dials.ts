// Discovery's dials under way, by the node id expected at the endpoint: one dial per node however many wait on it
// (lookups, pings, slots), each ended once — reached, failed, or past the connect timeout.
import type { TimerScheduler } from '../reqresp/interface.js';
import type { DiscoveryPeers } from './interface.js';

type Waiter = (reached: boolean) => void;

export class PendingDials {
  private readonly byNode = new Map<string, { deadline: unknown; waiters: Waiter[] }>();

  constructor(
    private readonly peers: DiscoveryPeers,
    private readonly scheduler: TimerScheduler,
    private readonly timeoutMs: number,
    /** Told of every dial that ended without reaching its node. */
    private readonly onFailed: (nodeId: string) => void,
  ) {}

  /** Dials `nodeId` at `url` unless a dial to it is under way; `waiter` hears whether it was reached. */
  dial(nodeId: string, url: string, publicKey: string, waiter?: Waiter): void {
    let held = this.byNode.get(nodeId);
    if (held === undefined) {
      const deadline = this.scheduler.setTimeout(() => this.settle(nodeId, false), this.timeoutMs);
      held = { deadline, waiters: [] };
      this.byNode.set(nodeId, held);
      this.peers.dialOnce(url, publicKey, nodeId, () => {
        // Another session with that node may have won meanwhile (it dialled us): that is reaching it too.
        this.settle(nodeId, this.peers.isConnected(nodeId));
      });
    }
    if (waiter !== undefined) held.waiters.push(waiter);
  }

  has(nodeId: string): boolean {
    return this.byNode.has(nodeId);
  }

  get size(): number {
    return this.byNode.size;
  }

  /** Ends the dial to `nodeId`, if one is under way, telling everyone waiting on it. */
  settle(nodeId: string, reached: boolean): void {
    const held = this.byNode.get(nodeId);
    if (held === undefined) return;
    this.byNode.delete(nodeId);
    this.scheduler.clearTimeout(held.deadline);
    if (!reached) this.onFailed(nodeId);
    for (const waiter of held.waiters) waiter(reached);
  }

  /** Ends every dial as failed and clears every timer. */
  stop(): void {
    for (const nodeId of [...this.byNode.keys()]) this.settle(nodeId, false);
  }
}
