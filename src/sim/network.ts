// The simulated wire: per-link latency draws, loss, bandwidth (serialisation delay by frame size, frames queue),
// FIFO order per lane unless reordering is on, and partitions that drop whatever would cross them.
import { SeededRandom } from '../core/memory/seeded-entropy.js';
import { MESSAGE_INFO } from '../core/messages/registry.js';
import type { Message } from '../core/messages/schemas.js';
import { type LatencySpec, sampleLatency } from './distributions.js';
import type { Partition } from './scenario.js';

export interface WireOptions {
  readonly nodes: number;
  readonly latency: LatencySpec;
  readonly loss: number;
  readonly bandwidthBytesPerSecond: number | undefined;
  readonly reorder: boolean;
  readonly gossipAnnounces: boolean;
  readonly partitions: readonly Partition[];
}

/** One direction of one link: when each lane is free again, and the latest arrival per lane (for FIFO). */
interface LinkState {
  normalBusyUntil: number;
  criticalBusyUntil: number;
  lastNormalArrival: number;
  lastCriticalArrival: number;
}

export interface WireCounters {
  framesSent: number;
  bytesSent: number;
  framesLost: number;
  framesCut: number;
  announcesDropped: number;
  /** Frames sent, by message type. */
  readonly byType: Record<string, number>;
}

export type TransmitResult =
  | { readonly kind: 'scheduled'; readonly arrival: number; readonly bytes: number }
  | { readonly kind: 'lost' | 'cut' | 'announce-dropped' };

export class Wire {
  private readonly random: SeededRandom;
  private readonly links = new Map<number, LinkState>();
  private readonly sizes = new WeakMap<Message, number>();
  /** Partitions in force now, by index into options.partitions. */
  readonly activePartitions = new Set<number>();
  readonly counters: WireCounters = {
    framesSent: 0,
    bytesSent: 0,
    framesLost: 0,
    framesCut: 0,
    announcesDropped: 0,
    byType: {},
  };
  /** Per node: frames and bytes it put on the wire. */
  readonly sentBy: { frames: number[]; bytes: number[] };

  constructor(
    private readonly options: WireOptions,
    seed: number,
  ) {
    this.random = new SeededRandom(seed ^ 0x5eed_1111);
    this.sentBy = { frames: new Array(options.nodes).fill(0), bytes: new Array(options.nodes).fill(0) };
  }

  /** Whether an active partition keeps `a` and `b` apart. */
  separated(a: number, b: number): boolean {
    for (const index of this.activePartitions) {
      const { side } = this.options.partitions[index]!;
      if (side.has(a) !== side.has(b)) return true;
    }
    return false;
  }

  /** When the latest active partition keeping `a` and `b` apart began (-Infinity if none does). */
  separatedSince(a: number, b: number): number {
    let start = Number.NEGATIVE_INFINITY;
    for (const index of this.activePartitions) {
      const { side, atMs } = this.options.partitions[index]!;
      if (side.has(a) !== side.has(b)) start = Math.max(start, atMs);
    }
    return start;
  }

  /** Frame size in bytes as the transport would send it (JSON text; one object is measured once). */
  sizeOf(message: Message): number {
    let size = this.sizes.get(message);
    if (size === undefined) {
      size = Buffer.byteLength(JSON.stringify(message));
      this.sizes.set(message, size);
    }
    return size;
  }

  /** Puts a frame on the link at `now`; says when it arrives, or why it never will. */
  transmit(from: number, to: number, message: Message, now: number): TransmitResult {
    if (message.type === 'PEER_ANNOUNCE' && !this.options.gossipAnnounces) {
      this.counters.announcesDropped++;
      return { kind: 'announce-dropped' };
    }
    const bytes = this.sizeOf(message);
    const { counters } = this;
    counters.framesSent++;
    counters.bytesSent += bytes;
    counters.byType[message.type] = (counters.byType[message.type] ?? 0) + 1;
    this.sentBy.frames[from]!++;
    this.sentBy.bytes[from]! += bytes;
    if (this.separated(from, to)) {
      counters.framesCut++;
      return { kind: 'cut' };
    }
    // Draw loss and latency for every frame, whatever the outcome, so one change of settings shifts little.
    const lost = this.options.loss > 0 && this.random.next() < this.options.loss;
    const latency = sampleLatency(this.options.latency, this.random);
    if (lost) {
      counters.framesLost++;
      return { kind: 'lost' };
    }
    const link = this.link(from, to);
    const critical = MESSAGE_INFO[message.type].lane === 'critical';
    const { bandwidthBytesPerSecond } = this.options;
    const serialise = bandwidthBytesPerSecond === undefined ? 0 : (bytes * 1000) / bandwidthBytesPerSecond;
    let arrival: number;
    if (critical) {
      // The critical lane jumps the normal queue (and delays it by its own bytes).
      const departs = Math.max(now, link.criticalBusyUntil) + serialise;
      link.criticalBusyUntil = departs;
      link.normalBusyUntil = Math.max(link.normalBusyUntil, now) + serialise;
      arrival = departs + latency;
      if (!this.options.reorder) arrival = Math.max(arrival, link.lastCriticalArrival);
      link.lastCriticalArrival = arrival;
    } else {
      const departs = Math.max(now, link.normalBusyUntil) + serialise;
      link.normalBusyUntil = departs;
      arrival = departs + latency;
      if (!this.options.reorder) arrival = Math.max(arrival, link.lastNormalArrival);
      link.lastNormalArrival = arrival;
    }
    return { kind: 'scheduled', arrival, bytes };
  }

  private link(from: number, to: number): LinkState {
    const key = from * this.options.nodes + to;
    let link = this.links.get(key);
    if (link === undefined) {
      link = { normalBusyUntil: 0, criticalBusyUntil: 0, lastNormalArrival: 0, lastCriticalArrival: 0 };
      this.links.set(key, link);
    }
    return link;
  }
}
