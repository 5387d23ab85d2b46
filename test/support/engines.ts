// Several MeshEngines in one process on a manual clock, with in-memory ledgers and outputs, wired by hand.
// Messages move only when a test calls deliver(), so every step of a protocol exchange can be looked at.
import { MeshEngine } from '../../src/core/engine/engine.js';
import type { EngineEvents, NodeType } from '../../src/core/engine/types.js';
import { ManualClock } from '../../src/core/memory/manual-clock.js';
import { MemoryLedger } from '../../src/core/memory/memory-ledger.js';
import { MemoryOutput } from '../../src/core/memory/memory-output.js';
import { SeededEntropy } from '../../src/core/memory/seeded-entropy.js';
import type { Message } from '../../src/core/messages/schemas.js';
import type { Network, NetworkParams } from '../../src/core/network.js';
import type { Outcome } from '../../src/core/outcome.js';
import type { Signer } from '../../src/core/signing.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { testNetwork, testSigner } from './fixtures.js';

/** One handled message: who sent it to whom, and what the receiving engine made of it. */
export interface Handled {
  readonly from: string;
  readonly to: string;
  readonly message: Message;
  readonly outcome: Outcome<unknown>;
}

/** Every event an engine raised, by name, with its arguments. */
export type EventLog = Array<{ readonly name: keyof EngineEvents; readonly args: readonly unknown[] }>;

export interface TestEngine {
  readonly engine: MeshEngine;
  readonly ledger: MemoryLedger;
  readonly output: MemoryOutput;
  readonly events: EventLog;
  /** Every id this node has had, oldest first: a connection keeps its socket across a key rotation. */
  readonly ids: string[];
}

export interface EngineMeshOptions {
  /** Stakes of the network's genesis nodes (test keys 0, 1, ...). */
  readonly stakes: readonly number[];
  /** Test key indexes that run an engine; by default every genesis node. */
  readonly engines?: readonly number[];
  readonly params?: Partial<NetworkParams>;
  readonly nodeType?: NodeType;
}

const EVENT_NAMES: readonly (keyof EngineEvents)[] = [
  'committed',
  'proposalSettled',
  'critical',
  'rotated',
  'blacklisted',
  'queryResult',
  'accepted',
  'dropped',
];

export class EngineMesh {
  readonly clock = new ManualClock();
  readonly network: Network;
  readonly nodes: TestEngine[] = [];
  /** Everything deliver() handed to an engine, oldest first. */
  readonly handled: Handled[] = [];

  constructor(options: EngineMeshOptions) {
    this.network = testNetwork(options.stakes, {}, options.params ?? {});
    const indexes = options.engines ?? options.stakes.map((_, index) => index);
    for (const index of indexes) this.add(testSigner(index), options.nodeType ?? 'full');
    this.connectAll();
  }

  /** Starts one more engine on this network, signing with `signer` (a member or not). */
  add(signer: Signer, nodeType: NodeType = 'full', ledger = new MemoryLedger(sodiumCrypto)): TestEngine {
    const output = new MemoryOutput();
    const events: EventLog = [];
    const ids = [signer.nodeId];
    const recorder: EngineEvents = {};
    for (const name of EVENT_NAMES) {
      (recorder as Record<string, (...args: unknown[]) => void>)[name] = (...args: unknown[]) => {
        events.push({ name, args });
        // A transport renames a connection when its peer moves to a new key.
        if (name === 'rotated') {
          const [from, to] = args as [string, string];
          if (output.isConnected(from)) {
            output.drop(from);
            output.connect(to);
          }
        }
      };
    }
    const engine = new MeshEngine(
      { network: this.network, signer, nodeType, votes: nodeType !== 'light', endpoints: [] },
      {
        crypto: sodiumCrypto,
        clock: this.clock,
        entropy: new SeededEntropy(this.nodes.length + 1),
        ledger,
        proposals: ledger,
        output,
        events: recorder,
      },
    );
    const node: TestEngine = { engine, ledger, output, events, ids };
    this.nodes.push(node);
    return node;
  }

  /** Every engine connected to every other (no handshake traffic: the tests start after it). */
  connectAll(): void {
    for (const node of this.nodes) {
      node.output.setConnected(this.nodes.filter((peer) => peer !== node).map((peer) => peer.engine.nodeId));
    }
  }

  node(id: string): TestEngine | undefined {
    return this.nodes.find((node) => node.engine.nodeId === id || node.ids.includes(id));
  }

  /**
   * Delivers queued messages, round by round, until no engine has anything left to send (or `rounds` ran).
   * `filter` may hold a delivery back (a cut link); what it refuses is dropped. Returns what was handled.
   */
  deliver(
    options: { rounds?: number; filter?: (from: string, to: string, message: Message) => boolean } = {},
  ) {
    const start = this.handled.length;
    for (let round = 0; round < (options.rounds ?? 100); round++) {
      const batch = this.nodes.flatMap((sender) =>
        sender.output.drain().map((delivery) => ({ sender, ...delivery })),
      );
      if (batch.length === 0) break;
      for (const { sender, to, message } of batch) {
        const receiver = this.node(to);
        const from = sender.engine.nodeId;
        if (receiver === undefined || options.filter?.(from, to, message) === false) continue;
        this.handled.push({ from, to, message, outcome: receiver.engine.handle(from, message) });
      }
    }
    for (const node of this.nodes) {
      if (!node.ids.includes(node.engine.nodeId)) node.ids.push(node.engine.nodeId);
    }
    return this.handled.slice(start);
  }

  tickAll(): void {
    for (const node of this.nodes) node.engine.tick();
  }

  eventsOf(node: TestEngine, name: keyof EngineEvents): Array<readonly unknown[]> {
    return node.events.filter((event) => event.name === name).map((event) => event.args);
  }
}
