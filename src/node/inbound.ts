// A node's inbound path: per-peer read backpressure, and turns of work run in one storage transaction each.
// Critical messages are handled first (InboundScheduler); refusals close their sender once the turn has committed.
import type { MeshEngine } from '../core/engine/engine.js';
import type { ErrorCode } from '../core/errors.js';
import { MESSAGE_INFO } from '../core/messages/registry.js';
import type { Message } from '../core/messages/schemas.js';
import { InboundScheduler } from '../net/inbound-scheduler.js';
import type { PeerSession } from '../net/peers/peer-manager.js';

/** Time budget of one inbound turn; bounds how long a critical frame can wait behind normal work. */
const TURN_MS = 2;
/** Read backpressure: a peer's socket is paused while this many messages, or bytes, of it wait to be handled. */
const MAX_INBOUND_QUEUED_PER_PEER = 4_096;
const MAX_INBOUND_BYTES_PER_PEER = 4 * 1024 * 1024;

interface InboundWork {
  readonly session: PeerSession;
  readonly message: Message;
  readonly bytes: number;
}

export interface InboundDeps {
  readonly engine: () => MeshEngine;
  /** Runs work in one transaction; throws (after stopping the node) if it fails. */
  readonly atomically: <T>(what: string, work: () => T) => T;
  readonly refuse: (session: PeerSession, code: ErrorCode, detail?: string) => void;
}

export class InboundPath {
  private readonly scheduler: InboundScheduler<InboundWork>;

  constructor(private readonly deps: InboundDeps) {
    this.scheduler = new InboundScheduler<InboundWork>((next) => this.handleTurn(next), {
      turnMs: TURN_MS,
      now: () => performance.now(),
    });
  }

  get queued(): number {
    return this.scheduler.queued;
  }

  enqueue(session: PeerSession, message: Message, bytes: number): void {
    session.inboundQueued++;
    session.inboundBytes += bytes;
    const over =
      session.inboundQueued > MAX_INBOUND_QUEUED_PER_PEER ||
      session.inboundBytes > MAX_INBOUND_BYTES_PER_PEER;
    if (over && !session.connection.socket.isPaused) session.connection.socket.pause();
    this.scheduler.enqueue(MESSAGE_INFO[message.type].lane, { session, message, bytes });
  }

  /** One turn, one transaction: everything it stores is durable before any effect leaves this process. */
  private handleTurn(next: () => InboundWork | undefined): void {
    const handled: InboundWork[] = [];
    const refusals: Array<[PeerSession, ErrorCode, string | undefined]> = [];
    const engine = this.deps.engine();
    try {
      this.deps.atomically('handling messages', () => {
        for (let work = next(); work !== undefined; work = next()) {
          handled.push(work);
          const { session, message } = work;
          if (session.state !== 'established') continue;
          const outcome = engine.handle(session.nodeId!, message);
          if (outcome.kind === 'reject') refusals.push([session, outcome.code, outcome.detail]);
        }
      });
    } catch {
      return; // the node is stopping (see TrustMeshNode.fail)
    }
    for (const { session, bytes } of handled) {
      session.inboundQueued--;
      session.inboundBytes -= bytes;
      const below =
        session.inboundQueued < MAX_INBOUND_QUEUED_PER_PEER / 2 &&
        session.inboundBytes < MAX_INBOUND_BYTES_PER_PEER / 2;
      if (session.connection.socket.isPaused && below) session.connection.socket.resume();
    }
    for (const [session, code, detail] of refusals) this.deps.refuse(session, code, detail);
  }

  stop(): void {
    this.scheduler.stop();
  }
}
