// The topology a devnet's links form: degree and diameter, and the wait until discovery (the 'minimal' bootstrap,
// every node told of node 0 alone) has stopped changing who is linked to whom (issue #16, item 7).
import { type Devnet, diameter } from './devnet.js';

/** Discovery timers for a devnet on loopback: a mesh of a few dozen nodes settles in seconds, not minutes. */
export const DEVNET_DISCOVERY = { tickMs: 100, requestTimeoutMs: 1_000, connectTimeoutMs: 2_000 } as const;

export interface Spread {
  min: number;
  mean: number;
  max: number;
}

export interface TopologyReport {
  bootstrap: 'ring' | 'minimal';
  nodes: number;
  edges: Array<[number, number]>;
  /** Links per node (both directions), and the outbound ones among them. */
  degree: Spread;
  outbound: Spread;
  /** Longest shortest path in links (Infinity, printed as null in JSON, when the mesh is split). */
  diameter: number;
  /** Entries in each node's Kademlia routing table. */
  routingTable: Spread;
  /** Whether the links stopped changing for the quiet period before the time limit, and when (ms after start). */
  settled: boolean;
  settleMs: number;
}

export interface SettleOptions {
  /** Links unchanged this long count as settled (default 1 s). */
  readonly quietMs?: number;
  readonly timeoutMs?: number;
}

function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { min: 0, mean: 0, max: 0 };
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return { min: Math.min(...values), mean: Math.round(mean * 100) / 100, max: Math.max(...values) };
}

/** What the devnet's links look like now. */
export function topologyOf(devnet: Devnet, settled = true, settleMs = 0): TopologyReport {
  const count = devnet.members.length;
  const edges = devnet.liveEdges();
  const degree = new Array<number>(count).fill(0);
  for (const [a, b] of edges) {
    degree[a]!++;
    degree[b]!++;
  }
  const outbound = devnet.nodes.map(
    (node) => node.peerSummaries().filter((peer) => peer.direction === 'outbound').length,
  );
  return {
    bootstrap: devnet.bootstrap,
    nodes: count,
    edges,
    degree: spread(degree),
    outbound: spread(outbound),
    diameter: diameter(count, edges),
    routingTable: spread(devnet.nodes.map((node) => node.routingTable().size)),
    settled,
    settleMs,
  };
}

/**
 * Waits until every node is linked into one mesh and the set of links has not changed for `quietMs`, or the time
 * limit passes; then reports the topology (settled false when the limit passed first).
 */
export async function settleTopology(devnet: Devnet, options: SettleOptions = {}): Promise<TopologyReport> {
  const quietMs = options.quietMs ?? 1_000;
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 30_000);
  let last = '';
  let changedAt = started;
  for (;;) {
    const edges = devnet.liveEdges();
    const key = edges.map(([a, b]) => `${a}-${b}`).join(',');
    const now = Date.now();
    if (key !== last) {
      last = key;
      changedAt = now;
    }
    const connected = Number.isFinite(diameter(devnet.members.length, edges));
    if (connected && now - changedAt >= quietMs) return topologyOf(devnet, true, changedAt - started);
    if (now > deadline || devnet.stopped) return topologyOf(devnet, false, now - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
