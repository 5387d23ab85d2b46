// What a node reports about sync: its state, counters per peer, speed and ETA (syncStatus() and the 'sync'
// event), and the progress lines it logs while catching up.
import type { Logger } from '../../log.js';

export type SyncState = 'syncing' | 'synced';

export interface SyncPeerStatus {
  nodeId: string;
  /** Block parts this peer served that were applied here. */
  blocks: number;
  entries: number;
  /** Timeouts and answers that failed verification. */
  failures: number;
}

export interface SyncStatus {
  state: SyncState;
  /** Whether the node serves as caught up: votes, answers light nodes' queries authoritatively. */
  ready: boolean;
  startedAt: number;
  finishedAt?: number;
  /**
   * Block parts (each block has a critical and a commits part) planned and applied since start, each once: a
   * part a round left unapplied (its peers failed) leaves the total when that round ends and comes back when a
   * later round plans it, so between rounds the two are equal.
   */
  blocksTotal: number;
  blocksDone: number;
  /** Entries imported by sync (each verified; duplicates of held entries count too). */
  entriesApplied: number;
  entriesPerSecond: number;
  etaMs?: number;
  peers: SyncPeerStatus[];
  /** When the last comparison round with peers ended. */
  lastRoundAt?: number;
}

/** Log a progress line at most this often while syncing. */
const LOG_EVERY_MS = 5_000;

export class SyncProgress {
  state: SyncState = 'syncing';
  readonly startedAt: number;
  finishedAt: number | undefined;
  lastRoundAt: number | undefined;
  blocksTotal = 0;
  blocksDone = 0;
  entriesApplied = 0;
  private readonly peers = new Map<string, SyncPeerStatus>();
  private lastLog: number;

  constructor(
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {
    this.startedAt = now();
    this.lastLog = this.startedAt;
  }

  peer(nodeId: string): SyncPeerStatus {
    let peer = this.peers.get(nodeId);
    if (peer === undefined) {
      peer = { nodeId, blocks: 0, entries: 0, failures: 0 };
      this.peers.set(nodeId, peer);
    }
    return peer;
  }

  applied(nodeId: string, entries: number): void {
    const peer = this.peer(nodeId);
    peer.blocks++;
    peer.entries += entries;
    this.blocksDone++;
    this.entriesApplied += entries;
  }

  /** A round planned `parts` block parts, none of them applied yet. */
  planned(parts: number): void {
    this.blocksTotal += parts;
  }

  /**
   * A round ended with `parts` of its plan unapplied (no good peer was left to serve them, or the node stopped).
   * The next round plans them afresh; kept here too, they would be counted twice and never be done.
   */
  unplanned(parts: number): void {
    this.blocksTotal -= parts;
  }

  snapshot(): SyncStatus {
    const now = this.now();
    const elapsed = Math.max(1, (this.finishedAt ?? now) - this.startedAt);
    const left = this.blocksTotal - this.blocksDone;
    return {
      state: this.state,
      ready: this.state === 'synced',
      startedAt: this.startedAt,
      ...(this.finishedAt === undefined ? {} : { finishedAt: this.finishedAt }),
      blocksTotal: this.blocksTotal,
      blocksDone: this.blocksDone,
      entriesApplied: this.entriesApplied,
      entriesPerSecond: Math.round((this.entriesApplied * 1000) / elapsed),
      ...(this.state === 'syncing' && this.blocksDone > 0 && left > 0
        ? { etaMs: Math.round((elapsed / this.blocksDone) * left) }
        : {}),
      peers: [...this.peers.values()].map((peer) => ({ ...peer })),
      ...(this.lastRoundAt === undefined ? {} : { lastRoundAt: this.lastRoundAt }),
    };
  }

  /** A progress line every few seconds while syncing. */
  maybeLog(): void {
    const now = this.now();
    if (this.state !== 'syncing' || now - this.lastLog < LOG_EVERY_MS) return;
    this.lastLog = now;
    const { blocksDone, blocksTotal, entriesApplied, entriesPerSecond, etaMs } = this.snapshot();
    this.logger.info({ blocksDone, blocksTotal, entriesApplied, entriesPerSecond, etaMs }, 'syncing');
  }

  finish(reason: string): void {
    this.state = 'synced';
    this.finishedAt = this.now();
    const { blocksDone, entriesApplied, entriesPerSecond } = this.snapshot();
    const tookMs = this.finishedAt - this.startedAt;
    this.logger.info(
      { blocksDone, entriesApplied, entriesPerSecond, tookMs, reason },
      'sync done: caught up',
    );
  }
}
