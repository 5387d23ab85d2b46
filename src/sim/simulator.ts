// The discrete-event simulator: N real MeshEngines on one virtual clock, a seeded wire between them, and an agenda
// of timed events (deliveries, ticks, load, faults) run strictly in (time, insertion) order. No real time passes.
import type { Crypto } from '../core/crypto.js';
import type { ProposalInput } from '../core/engine/engine.js';
import type { ErrorCode } from '../core/errors.js';
import { MANUAL_CLOCK_START } from '../core/memory/manual-clock.js';
import type { Message } from '../core/messages/schemas.js';
import type { Network } from '../core/network.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { type SimEvent, scheduleScenario } from './agenda.js';
import { EventLog } from './event-log.js';
import { EventQueue } from './event-queue.js';
import { InvariantChecker } from './invariants.js';
import { simulatedNetwork, simulatedSigner } from './keys.js';
import { Measurements } from './measurements.js';
import { Wire } from './network.js';
import { observeEngine } from './observer.js';
import type { Scenario } from './scenario.js';
import { type NodeHost, SimNode } from './sim-node.js';
import type { SimSync, SimSyncContext } from './sync-hook.js';
import { type Adjacency, buildTopology } from './topology.js';

export { type SimEvent, TICK_MS } from './agenda.js';

export interface SimulatorOptions {
  readonly seed: number;
  /**
   * Signature primitives; real libsodium by default. Anything else (a cost model) must be named in cryptoName,
   * which every result repeats. Node keys still sign with libsodium.
   */
  readonly crypto?: Crypto;
  readonly cryptoName?: string;
  /** Keep every log line in memory (the digest is always computed). */
  readonly keepLog?: boolean;
  readonly sync?: SimSync;
  /** Stop after this many events (to replay up to a violation). */
  readonly untilStep?: number;
  /** Run the invariant checker (default on). */
  readonly invariants?: boolean;
  /** Stop at the first violation (default on). */
  readonly stopOnViolation?: boolean;
}

/** The agent ids the load generator proposes about, and the principal every record is under. */
export const SIM_PRINCIPAL = 'principal-sim';

/** What a scheduled proposal asks its node for (a real node's submit takes the same input). */
export const simulatedProposal = (agentId: string, trustScore: number): ProposalInput => ({
  agentId,
  principalId: SIM_PRINCIPAL,
  trustScore,
  event: 'VERIFICATION_SUCCESS',
});

/** What a scheduled revocation asks its node for. */
export const simulatedRevocation = (agentId: string) => ({
  agentId,
  principalId: SIM_PRINCIPAL,
  reason: 'simulated revocation',
});

export class Simulator {
  readonly network: Network;
  readonly nodes: SimNode[] = [];
  readonly adjacency: Adjacency;
  readonly wire: Wire;
  readonly log: EventLog;
  readonly invariants: InvariantChecker | null;
  readonly measurements: Measurements;
  readonly crypto: Crypto;
  private readonly queue = new EventQueue<SimEvent>();
  /** Node index by node id (ids never change: simulated nodes do not rotate keys). */
  readonly byId = new Map<string, number>();
  /** Per link (unordered pair): how many times it has closed, naming its current connection. */
  private readonly connections = new Map<number, number>();
  /** Nodes whose connections are down by churn (engine still running). */
  private readonly churned = new Set<number>();
  private time = 0;
  steps = 0;
  readonly syncContext: SimSyncContext;

  constructor(
    readonly scenario: Scenario,
    readonly options: SimulatorOptions,
  ) {
    const { seed } = options;
    this.crypto = options.crypto ?? sodiumCrypto;
    this.log = new EventLog(options.keepLog ?? false);
    const signers = Array.from({ length: scenario.nodes }, (_, i) => simulatedSigner(i));
    this.network = simulatedNetwork(this.crypto, scenario, signers);
    this.adjacency = buildTopology(scenario.topology, scenario.nodes, seed);
    this.wire = new Wire(scenario, seed);
    const host: NodeHost = {
      now: () => MANUAL_CLOCK_START + this.time,
      transmit: (from, to, message) => this.transmit(from, to, message),
      disconnectRequested: (from, to, code) => this.disconnectLink(from, to, code),
      events: (index) => observeEngine(this, index),
    };
    signers.forEach((signer, index) => {
      this.byId.set(signer.nodeId, index);
      this.nodes.push(
        new SimNode(host, {
          index,
          signer,
          network: this.network,
          crypto: this.crypto,
          votes: scenario.stakes[index]! > 0,
          offsetMs: scenario.clockOffsets.get(index) ?? 0,
          seed,
        }),
      );
    });
    this.measurements = new Measurements(scenario.nodes);
    this.invariants = options.invariants === false ? null : new InvariantChecker(scenario, this.nodes, seed);
    this.syncContext = this.makeSyncContext();
    scheduleScenario(this.queue, scenario, seed);
  }

  now(): number {
    return this.time;
  }

  /** Runs until the scenario's end, the step limit, or (by default) the first violation. */
  run(): void {
    for (const node of this.nodes) node.start();
    // Every link starts established (the handshakes happened before the scenario begins).
    for (const node of this.nodes)
      for (const peer of this.adjacency[node.index]!) this.connectHalf(node.index, peer);
    for (const node of this.nodes)
      for (const peer of this.adjacency[node.index]!) node.engine!.peerConnected(this.nodes[peer]!.nodeId);
    const stopOnViolation = this.options.stopOnViolation ?? true;
    for (;;) {
      const next = this.queue.peek();
      if (next === undefined || next.at > this.scenario.durationMs) break;
      if (this.options.untilStep !== undefined && this.steps >= this.options.untilStep) break;
      this.queue.pop();
      this.time = next.at;
      this.steps++;
      this.dispatch(next.event);
      if (stopOnViolation && (this.invariants?.violations.length ?? 0) > 0) break;
    }
    this.invariants?.step(this.steps, this.time);
  }

  // ---- The agenda ----------------------------------------------------------------------------------------

  private dispatch(event: SimEvent): void {
    switch (event.kind) {
      case 'deliver':
        this.deliver(event.from, event.to, event.message, event.connection);
        break;
      case 'tick':
        this.tick();
        break;
      case 'propose':
        this.propose(event.node, event.agentId, event.trustScore);
        break;
      case 'revoke':
        this.revoke(event.node, event.agentId);
        break;
      case 'crash':
        this.crash(event.node);
        break;
      case 'restart':
        this.restart(event.node);
        break;
      case 'disconnect':
        this.log.write(this.time, event.node, 'disconnect');
        this.churned.add(event.node);
        for (const peer of this.adjacency[event.node]!) this.cutLink(event.node, peer);
        break;
      case 'reconnect':
        this.log.write(this.time, event.node, 'reconnect');
        this.churned.delete(event.node);
        this.reconnectAll(event.node);
        break;
      case 'partition':
        this.log.write(this.time, -1, `partition ${event.index}`);
        this.wire.activePartitions.add(event.index);
        break;
      case 'heal':
        this.log.write(this.time, -1, `heal ${event.index}`);
        this.wire.activePartitions.delete(event.index);
        this.healed(event.index);
        break;
    }
  }

  private tick(): void {
    for (const node of this.nodes) node.engine?.tick();
    if (this.options.sync?.tick !== undefined) this.options.sync.tick(this.syncContext);
    this.invariants?.step(this.steps, this.time);
  }

  // ---- Frames --------------------------------------------------------------------------------------------

  private transmit(from: number, to: number, message: Message): void {
    const result = this.wire.transmit(from, to, message, this.time);
    if (result.kind === 'scheduled') {
      const connection = this.connectionOf(from, to);
      this.queue.push(result.arrival, { kind: 'deliver', from, to, message, connection });
    } else if (result.kind !== 'announce-dropped')
      this.log.write(this.time, from, `${result.kind} >n${to} ${describe(message)}`);
  }

  private deliver(from: number, to: number, message: Message, connection: number): void {
    const receiver = this.nodes[to]!;
    const sender = this.nodes[from]!;
    // A frame in flight dies with its connection (even if a new one is up by now), and a partition that began
    // while it travelled cuts it.
    if (
      !receiver.output.isConnected(sender.nodeId) ||
      receiver.engine === null ||
      this.connectionOf(from, to) !== connection
    ) {
      this.log.write(this.time, to, `gone <n${from} ${describe(message)}`);
      return;
    }
    if (this.wire.separated(from, to)) {
      this.wire.counters.framesCut++;
      this.log.write(this.time, to, `cut <n${from} ${describe(message)}`);
      return;
    }
    this.measurements.received[to]!++;
    if (this.options.sync?.handle?.(this.syncContext, to, from, message) === true) return;
    const outcome = receiver.handle(sender.nodeId, message);
    const verdict = outcome.kind === 'accept' ? 'accept' : `${outcome.kind}:${outcome.code}`;
    this.log.write(this.time, to, `<n${from} ${describe(message)} ${verdict}`);
  }

  // ---- Load ----------------------------------------------------------------------------------------------

  private propose(index: number, agentId: string, trustScore: number): void {
    const node = this.nodes[index]!;
    if (node.engine === null) {
      this.log.write(this.time, index, `propose skipped (down) ${agentId}`);
      return;
    }
    const engine = node.engine;
    // Registered before proposing: a node whose own stake is a majority commits inside propose().
    const pending = this.measurements.openProposal(index, this.time, agentId);
    const record = node.ledger.transaction(() => engine.propose(simulatedProposal(agentId, trustScore)));
    this.measurements.nameProposal(pending, `${record.update.origin}:${record.update.id}`);
    this.log.write(this.time, index, `propose ${record.update.id.slice(0, 8)} ${agentId} ${record.state}`);
  }

  private revoke(index: number, agentId: string): void {
    const node = this.nodes[index]!;
    if (node.engine === null) {
      this.log.write(this.time, index, `revoke skipped (down) ${agentId}`);
      return;
    }
    const engine = node.engine;
    const pending = this.measurements.openRevocation(index, this.time, agentId);
    const revocation = node.ledger.transaction(() => engine.revoke(simulatedRevocation(agentId)));
    this.measurements.nameRevocation(pending, `${revocation.origin}:${revocation.id}`);
    this.log.write(this.time, index, `revoke ${revocation.id.slice(0, 8)} ${agentId}`);
  }

  // ---- Engine events -------------------------------------------------------------------------------------

  // ---- Connections, crashes and churn -------------------------------------------------------------------

  private linkUsable(a: number, b: number): boolean {
    return this.nodes[a]!.running && this.nodes[b]!.running && !this.churned.has(a) && !this.churned.has(b);
  }

  private connectHalf(a: number, b: number): void {
    this.nodes[a]!.output.connected.set(this.nodes[b]!.nodeId, b);
  }

  /** Which connection of the link between a and b is the current one (it changes each time the link closes). */
  private connectionOf(a: number, b: number): number {
    return this.connections.get(linkKey(a, b, this.scenario.nodes)) ?? 0;
  }

  private cutLink(a: number, b: number): void {
    const key = linkKey(a, b, this.scenario.nodes);
    this.connections.set(key, (this.connections.get(key) ?? 0) + 1);
    this.nodes[a]!.output.connected.delete(this.nodes[b]!.nodeId);
    this.nodes[b]!.output.connected.delete(this.nodes[a]!.nodeId);
    this.nodes[a]!.engine?.peerDisconnected(this.nodes[b]!.nodeId);
    this.nodes[b]!.engine?.peerDisconnected(this.nodes[a]!.nodeId);
  }

  private disconnectLink(from: number, to: number, code: ErrorCode): void {
    this.log.write(this.time, from, `disconnects n${to} ${code}`);
    this.cutLink(from, to);
  }

  /** Re-establishes every usable link of `index`: both ends learn of it (peerConnected), then sync may run. */
  private reconnectAll(index: number): void {
    for (const peer of this.adjacency[index]!) {
      if (!this.linkUsable(index, peer)) continue;
      this.connectHalf(index, peer);
      this.connectHalf(peer, index);
      this.nodes[index]!.engine!.peerConnected(this.nodes[peer]!.nodeId);
      this.nodes[peer]!.engine!.peerConnected(this.nodes[index]!.nodeId);
      this.options.sync?.linkRestored(this.syncContext, index, peer);
    }
  }

  private crash(index: number): void {
    const node = this.nodes[index]!;
    if (!node.running) return;
    this.log.write(this.time, index, 'crash');
    for (const peer of this.adjacency[index]!) this.cutLink(index, peer);
    node.crash();
  }

  private restart(index: number): void {
    const node = this.nodes[index]!;
    if (node.running) return;
    node.start();
    this.log.write(this.time, index, `restart (ledger ${node.ledger.size()} entries)`);
    this.reconnectAll(index);
  }

  private healed(index: number): void {
    const { side } = this.scenario.partitions[index]!;
    const sync = this.options.sync;
    if (sync === undefined) return;
    for (const a of side) {
      for (const b of this.adjacency[a]!) {
        if (!side.has(b) && this.linkUsable(a, b) && !this.wire.separated(a, b))
          sync.linkRestored(this.syncContext, a, b);
      }
    }
  }

  // ---- Sync hook -----------------------------------------------------------------------------------------

  private makeSyncContext(): SimSyncContext {
    return {
      now: () => this.time,
      nodeCount: this.scenario.nodes,
      node: (index) => {
        const node = this.nodes[index];
        return node?.engine == null
          ? null
          : { nodeId: node.nodeId, engine: node.engine, ledger: node.ledger };
      },
      neighbours: (index) => this.adjacency[index] ?? [],
      linkUp: (a, b) =>
        this.nodes[a]?.output.isConnected(this.nodes[b]?.nodeId ?? '') === true && !this.wire.separated(a, b),
      send: (from, to, message) => this.transmit(from, to, message),
      log: (node, event) => this.log.write(this.time, node, event),
    };
  }
}

const linkKey = (a: number, b: number, nodes: number): number => (a < b ? a * nodes + b : b * nodes + a);

/** A message's type and the first characters of its id, for log lines. */
function describe(message: Message): string {
  const id = 'id' in message && typeof message.id === 'string' ? message.id.slice(0, 8) : '';
  return `${message.type} ${id}`;
}
