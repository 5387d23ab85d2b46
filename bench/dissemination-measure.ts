// What both sides of the dissemination bench share: the run's shape, when each node first held each update, the
// t50/t90/t99/t100 figures derived from that, and the paced publishing loop. One process runs one system.
import { percentile } from './support.js';

/** One load phase: `updates` updates at `rate` per second, then up to `drainMs` for the last ones to land. */
export interface PhaseSpec {
  readonly rate: number;
  readonly updates: number;
  readonly drainMs: number;
}

export type SystemName = 'trust-mesh' | 'gossipsub';

/** What the parent hands a worker process (as JSON in argv[2]). */
export interface WorkerConfig {
  readonly system: SystemName;
  readonly nodes: number;
  readonly dials: number;
  readonly seed: number;
  readonly payloadBytes: number;
  readonly phases: readonly PhaseSpec[];
}

export interface PhaseResult {
  rate: number;
  updates: number;
  /** Updates that reached every node before the drain ended. */
  reachedAll: number;
  /** Medians over updates of the time from publish/propose to 50/90/99/100% of nodes holding it (ms; -1: not reached by most). */
  t50: number;
  t90: number;
  t99: number;
  t100: number;
  /** trust-mesh only: medians of proposal → commit stored on 50/100% of nodes (ms), and how many committed everywhere. */
  commitT50?: number;
  commitT100?: number;
  committedEverywhere?: number;
  /** Frames (trust-mesh: WebSocket messages; gossipsub: length-prefixed RPCs) sent, per node per update. */
  framesPerNodePerUpdate: number;
  /** Application bytes sent (frame payloads / RPC bytes with their length prefix), per node per update. */
  bytesPerNodePerUpdate: number;
  /** Frames sent per node per update by kind (trust-mesh: message type; gossipsub: messages carried, control). */
  byKind: Record<string, number>;
  /** Process CPU (user + system, every thread) over the phase ÷ updates ÷ nodes, in ms. */
  cpuMsPerUpdatePerNode: number;
  /** Peak resident set of the worker process so far (MiB): after the last phase, the run's peak. */
  peakRssMiB: number;
  /** Phase wall time, first publish to drain end (ms). */
  wallMs: number;
}

export interface WorkerResult {
  system: SystemName;
  nodes: number;
  links: number;
  startupMs: number;
  phases: PhaseResult[];
  /** Trust-mesh only: the warm-up, one update from each node, which grows each origin's dissemination tree. */
  warmup?: PhaseResult;
  notes: string[];
}

/** Messages a worker sends its parent. */
export type WorkerMessage = { kind: 'log'; line: string } | { kind: 'result'; result: WorkerResult };

const FRACTIONS = [0.5, 0.9, 0.99, 1] as const;

/** First time each node held each update, relative to when the update was published. */
export class ArrivalTracker {
  private readonly published = new Map<string, number>();
  private readonly arrived = new Map<string, Float64Array>();
  private readonly counts = new Map<string, number>();

  constructor(private readonly nodes: number) {}

  /** `origin` holds the update from the start; null when even the origin must wait for it (a commit). */
  publish(key: string, at: number, origin: number | null): void {
    this.published.set(key, at);
    this.arrived.set(key, new Float64Array(this.nodes).fill(Number.NaN));
    this.counts.set(key, 0);
    if (origin !== null) this.arrive(key, origin, at);
  }

  /** Records node `node` holding `key` at `at`; later copies and unknown keys (warm-up, other phases) are ignored. */
  arrive(key: string, node: number, at: number): void {
    const times = this.arrived.get(key);
    if (times === undefined || !Number.isNaN(times[node]!)) return;
    times[node] = at;
    this.counts.set(key, this.counts.get(key)! + 1);
  }

  allArrived(): boolean {
    for (const count of this.counts.values()) if (count < this.nodes) return false;
    return true;
  }

  /** Updates held by at least `nodes` nodes (all of them by default). */
  reached(nodes = this.nodes): number {
    let reached = 0;
    for (const count of this.counts.values()) if (count >= nodes) reached++;
    return reached;
  }

  /** Per update, the time to reach ⌈f·N⌉ nodes (Infinity when it did not); then the median over updates. */
  medianTimeTo(fraction: number): number {
    const need = Math.ceil(fraction * this.nodes);
    const perUpdate: number[] = [];
    for (const [key, at] of this.published) {
      const times = [...this.arrived.get(key)!].filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
      perUpdate.push(times.length >= need ? times[need - 1]! - at : Number.POSITIVE_INFINITY);
    }
    if (perUpdate.length === 0) return -1;
    const value = percentile(perUpdate, 50);
    return Number.isFinite(value) ? Number(value.toFixed(2)) : -1;
  }

  figures(): { t50: number; t90: number; t99: number; t100: number } {
    const [t50, t90, t99, t100] = FRACTIONS.map((fraction) => this.medianTimeTo(fraction)) as [
      number,
      number,
      number,
      number,
    ];
    return { t50, t90, t99, t100 };
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Publishes `updates` times at `rate`/s from nodes in turn (update i from node i mod N). */
export async function paced(
  spec: PhaseSpec,
  nodes: number,
  publish: (index: number, origin: number) => void | Promise<void>,
): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < spec.updates; i++) {
    const wait = started + (i * 1000) / spec.rate - performance.now();
    if (wait > 0) await sleep(wait);
    await publish(i, i % nodes);
  }
}

/** Waits (polling every 5 ms) until `done()` or `ms` have passed; true when done. */
export async function drain(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/** CPU (user + system, µs) of the whole process since `before`, as ms per update per node. */
export function cpuMsPerUpdatePerNode(before: NodeJS.CpuUsage, updates: number, nodes: number): number {
  const used = process.cpuUsage(before);
  return Number(((used.user + used.system) / 1000 / Math.max(1, updates) / nodes).toFixed(3));
}

export const peakRssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

export const perNodePerUpdate = (total: number, updates: number, nodes: number): number =>
  Number((total / Math.max(1, updates) / nodes).toFixed(2));
