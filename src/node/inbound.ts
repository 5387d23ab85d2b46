// A node's inbound path: read budget → signatures checked ahead in batches (optional) → engine turns.
// Critical messages are handled first (InboundScheduler); refusals close their sender once the turn has committed.
import type { MeshEngine } from '../core/engine/engine.js';
import type { ErrorCode } from '../core/errors.js';
import { MESSAGE_INFO } from '../core/messages/registry.js';
import type { Message } from '../core/messages/schemas.js';
import type { SignatureVerifier } from '../core/signature-verifier.js';
import type { Clock } from '../core/time.js';
import { InboundScheduler } from '../net/inbound-scheduler.js';
import type { PeerSession } from '../net/peers/peer-manager.js';
import { ReadBudget } from '../net/read-budget.js';
import { SignaturePrepass } from './signature-prepass.js';

/** Time budget of one inbound turn; bounds how long a critical frame can wait behind normal work. */
const TURN_MS = 2;

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
  /** A monotonic clock in ms for turn budgets (performance.now in the daemon). */
  readonly monotonic: Clock;
  /**
   * Checks normal-lane signatures ahead of the turn, off the main thread when it has threads of its own; null
   * checks them in the turn. Critical messages never wait for it.
   */
  readonly verifier: SignatureVerifier | null;
  /** Called after each turn with the messages it handled (the node remembers their frames as seen). */
  readonly handled?: (messages: readonly Message[]) => void;
}

export class InboundPath {
  private readonly scheduler: InboundScheduler<InboundWork>;
  private readonly budget = new ReadBudget();
  private readonly prepass: SignaturePrepass<InboundWork> | null;

  constructor(private readonly deps: InboundDeps) {
    this.scheduler = new InboundScheduler<InboundWork>((next) => this.handleTurn(next), {
      turnMs: TURN_MS,
      now: () => deps.monotonic.now(),
    });
    this.prepass =
      deps.verifier === null
        ? null
        : new SignaturePrepass<InboundWork>({
            verifier: deps.verifier,
            messages: () => deps.engine().verifier,
            signaturesOf: (work) =>
              work.session.state === 'established' ? deps.engine().signaturesAhead(work.message) : [],
            deliver: (work) => this.scheduler.enqueue('normal', work),
          });
  }

  get queued(): number {
    return this.scheduler.queued + (this.prepass?.queued ?? 0);
  }

  enqueue(session: PeerSession, message: Message, bytes: number): void {
    this.budget.take(session, bytes);
    const { lane } = MESSAGE_INFO[message.type];
    const work = { session, message, bytes };
    if (this.prepass === null || lane === 'critical') this.scheduler.enqueue(lane, work);
    else this.prepass.push(work);
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
    for (const { session, bytes } of handled) this.budget.release(session, bytes);
    this.deps.handled?.(handled.map((work) => work.message));
    for (const [session, code, detail] of refusals) this.deps.refuse(session, code, detail);
  }

  stop(): void {
    this.prepass?.stop();
    this.scheduler.stop();
  }
}
