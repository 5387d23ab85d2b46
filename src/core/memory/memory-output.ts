// An EngineOutput that only records: what the engine sent to whom, what it broadcast, and whom it disconnected.
// Tests and the simulator drain the per-peer outbox to move messages between engines by hand.
import type { EngineOutput } from '../engine/types.js';
import type { ErrorCode } from '../errors.js';
import type { Message } from '../messages/schemas.js';

/** One message bound for one peer: a send, or a broadcast's copy for a peer connected at the time. */
export interface Delivery {
  readonly to: string;
  readonly message: Message;
}

export interface BroadcastRecord {
  readonly message: Message;
  /** The peers left out of the broadcast (the one it came from, lazy links, holders). */
  readonly except: ReadonlySet<string> | undefined;
}

export interface DisconnectRecord {
  readonly peerId: string;
  readonly code: ErrorCode;
}

export class MemoryOutput implements EngineOutput {
  /** Every successful `send`, oldest first. */
  readonly sent: Delivery[] = [];
  /** Every `broadcast`, oldest first, whoever it reached. */
  readonly broadcasts: BroadcastRecord[] = [];
  readonly disconnects: DisconnectRecord[] = [];
  /** Copies not yet delivered, in the order the engine produced them (sends and broadcasts interleaved). */
  private outbox: Delivery[] = [];
  private readonly connected = new Set<string>();

  constructor(connected: Iterable<string> = []) {
    this.setConnected(connected);
  }

  // ---- EngineOutput -------------------------------------------------------------------------------------

  send(peerId: string, message: Message): boolean {
    if (!this.connected.has(peerId)) return false;
    const delivery = { to: peerId, message };
    this.sent.push(delivery);
    this.outbox.push(delivery);
    return true;
  }

  /** A copy for every peer connected now (as a transport queues them), except the one it came from. */
  broadcast(message: Message, except?: ReadonlySet<string>): void {
    this.broadcasts.push({ message, except });
    for (const peerId of this.connected)
      if (except?.has(peerId) !== true) this.outbox.push({ to: peerId, message });
  }

  isConnected(peerId: string): boolean {
    return this.connected.has(peerId);
  }

  /** Records the request and forgets the peer, as a transport closing the connection would. */
  disconnect(peerId: string, code: ErrorCode): void {
    this.disconnects.push({ peerId, code });
    this.connected.delete(peerId);
  }

  // ---- Test and simulator side ----------------------------------------------------------------------------

  connect(peerId: string): void {
    this.connected.add(peerId);
  }

  /** Forgets a peer without recording a disconnect (the other side went away). */
  drop(peerId: string): void {
    this.connected.delete(peerId);
  }

  setConnected(peerIds: Iterable<string>): void {
    this.connected.clear();
    for (const peerId of peerIds) this.connected.add(peerId);
  }

  connectedIds(): string[] {
    return [...this.connected];
  }

  /** Copies waiting for one peer, oldest first, without taking them. */
  queuedFor(peerId: string): Message[] {
    return this.outbox.filter((delivery) => delivery.to === peerId).map(({ message }) => message);
  }

  /** Takes the copies waiting for one peer, oldest first; those for other peers stay. */
  drainFor(peerId: string): Message[] {
    const taken = this.queuedFor(peerId);
    this.outbox = this.outbox.filter((delivery) => delivery.to !== peerId);
    return taken;
  }

  /** Takes every waiting copy, in the order the engine produced them. */
  drain(): Delivery[] {
    const taken = this.outbox;
    this.outbox = [];
    return taken;
  }

  get queued(): number {
    return this.outbox.length;
  }

  /** Forgets everything recorded and queued; connections stay. */
  clear(): void {
    this.sent.length = 0;
    this.broadcasts.length = 0;
    this.disconnects.length = 0;
    this.outbox = [];
  }
}
