// One simulated node: its key, its surviving in-memory ledger, its own clock (virtual time + offset), and an
// engine that a crash throws away and a restart rebuilds on the same ledger, as a daemon restarts on SQLite.

import type { Crypto } from '../core/crypto.js';
import { MeshEngine } from '../core/engine/engine.js';
import type { EngineEvents, EngineOutput } from '../core/engine/types.js';
import type { ErrorCode } from '../core/errors.js';
import { MemoryLedger } from '../core/memory/memory-ledger.js';
import { SeededEntropy } from '../core/memory/seeded-entropy.js';
import type { Message } from '../core/messages/schemas.js';
import type { Network } from '../core/network.js';
import type { Signer } from '../core/signing.js';
import type { Clock } from '../core/time.js';
import { simulatedEntropySeed } from './keys.js';

/** What a node needs from the simulator around it. */
export interface NodeHost {
  /** Virtual time now (ms since the Unix epoch, the same for every node). */
  now(): number;
  /** Puts one frame on the link from `from` to `to`. */
  transmit(from: number, to: number, message: Message): void;
  /** The engine asked to close a connection. */
  disconnectRequested(from: number, to: number, code: ErrorCode): void;
  /** Engine events of node `index`, for the log, the measurements and the invariants. */
  events(index: number): EngineEvents;
}

/** A node's clock: the simulator's virtual time plus this node's fixed offset. */
class OffsetClock implements Clock {
  constructor(
    private readonly host: NodeHost,
    readonly offsetMs: number,
  ) {}
  now(): number {
    return this.host.now() + this.offsetMs;
  }
}

/** The engine's output: frames go onto simulated links to the peers this node is connected to now. */
class SimOutput implements EngineOutput {
  /** Connected peers by node id, in the order they connected (broadcast order is deterministic). */
  readonly connected = new Map<string, number>();

  constructor(
    private readonly host: NodeHost,
    private readonly index: number,
  ) {}

  send(peerId: string, message: Message): boolean {
    const peer = this.connected.get(peerId);
    if (peer === undefined) return false;
    this.host.transmit(this.index, peer, message);
    return true;
  }

  broadcast(message: Message, except?: ReadonlySet<string>): void {
    for (const [peerId, peer] of this.connected)
      if (except?.has(peerId) !== true) this.host.transmit(this.index, peer, message);
  }

  isConnected(peerId: string): boolean {
    return this.connected.has(peerId);
  }

  disconnect(peerId: string, code: ErrorCode): void {
    const peer = this.connected.get(peerId);
    if (peer !== undefined) this.host.disconnectRequested(this.index, peer, code);
  }
}

export interface SimNodeOptions {
  readonly index: number;
  readonly signer: Signer;
  readonly network: Network;
  readonly crypto: Crypto;
  readonly votes: boolean;
  readonly offsetMs: number;
  /** The run's seed: this node's message ids and nonces come from simulatedEntropySeed(seed, index, start). */
  readonly seed: number;
}

export class SimNode {
  readonly index: number;
  readonly nodeId: string;
  /** Survives crashes: what the node had written to storage. */
  readonly ledger: MemoryLedger;
  readonly clock: OffsetClock;
  output: SimOutput;
  engine: MeshEngine | null = null;
  /** Times the engine was (re)built. */
  starts = 0;
  /** Order-independent fingerprint of the stored entries (two 32-bit sums), to group nodes holding the same set. */
  fingerprint = [0, 0];
  entries = 0;

  constructor(
    private readonly host: NodeHost,
    private readonly options: SimNodeOptions,
  ) {
    this.index = options.index;
    this.nodeId = options.signer.nodeId;
    this.ledger = new MemoryLedger(options.crypto);
    this.clock = new OffsetClock(host, options.offsetMs);
    this.output = new SimOutput(host, options.index);
  }

  get running(): boolean {
    return this.engine !== null;
  }

  /** Builds the engine on the stored ledger (a fresh process: empty caches, no pending proposals, no peers). */
  start(): MeshEngine {
    const { options } = this;
    this.output = new SimOutput(this.host, this.index);
    this.engine = new MeshEngine(
      {
        network: options.network,
        signer: options.signer,
        nodeType: 'full',
        votes: options.votes,
        endpoints: [],
      },
      {
        crypto: options.crypto,
        clock: this.clock,
        entropy: new SeededEntropy(simulatedEntropySeed(options.seed, this.index, this.starts)),
        ledger: this.ledger,
        proposals: this.ledger,
        output: this.output,
        events: this.host.events(this.index),
      },
    );
    this.starts++;
    return this.engine;
  }

  /** The process dies: the engine and its connections are gone, the ledger stays. */
  crash(): void {
    this.engine = null;
    this.output.connected.clear();
  }

  /** Handles one frame inside one ledger transaction, as the daemon does a turn. */
  handle(fromId: string, message: Message) {
    const engine = this.engine!;
    return this.ledger.transaction(() => engine.handle(fromId, message));
  }

  /** Folds one stored entry (`key` and signature) into the fingerprint. */
  noteStored(key: string, signature: string): void {
    this.entries++;
    this.fingerprint[0] = (this.fingerprint[0]! + fnv1a(key, 0x811c9dc5)) >>> 0;
    this.fingerprint[1] = (this.fingerprint[1]! + fnv1a(signature, 0x01000193)) >>> 0;
  }

  fingerprintKey(): string {
    return `${this.entries}:${this.fingerprint[0]}:${this.fingerprint[1]}`;
  }
}

function fnv1a(text: string, basis: number): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
