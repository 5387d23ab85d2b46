// A node's inbound path: read budget → signatures checked ahead in batches (optional) → engine turns.
// Critical messages are handled first (InboundScheduler); refusals close their sender once the turn has committed.
import type { MeshEngine } from '../core/engine/engine.js';
import type { ErrorCode } from '../core/errors.js';
import { MESSAGE_INFO } from '../core/messages/registry.js';
import type { Message } from '../core/messages/schemas.js';
import type { Outcome } from '../core/outcome.js';
import type { SignatureVerifier } from '../core/signature-verifier.js';
import type { Clock } from '../core/time.js';
import { InboundScheduler } from '../net/inbound-scheduler.js';
import type { LinkBudgets } from '../net/link-budget.js';
import type { PeerSession } from '../net/peers/peer-manager.js';
import { ReadBudget } from '../net/read-budget.js';
import { SignaturePrepass } from './signature-prepass.js';

/** Time budget of one inbound turn; bounds how long a critical frame can wait behind normal work. */
const TURN_MS = 2;
/** How long a turn waits for more frames (loop turns, frames): see SchedulerOptions.gatherTurns. */
const GATHER_TURNS = 8;
const GATHER_ITEMS = 64;

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
  /** The wall clock (connection budgets refill by it). */
  readonly clock: Clock;
  /**
   * Checks normal-lane signatures ahead of the turn, off the main thread when it has threads of its own; null
   * checks them in the turn. Critical messages never wait for it.
   */
  readonly verifier: SignatureVerifier | null;
  /** Called after each turn with the messages it handled (the node remembers their frames as seen). */
  readonly handled?: (messages: readonly Message[]) => void;
  /** Per-connection budgets; a frame over budget is dropped unhandled and reported to `overBudget`. */
  readonly budgets?: LinkBudgets;
  /** Told of each frame dropped over budget: `message` null when it was dropped before it was parsed. */
  readonly overBudget?: (session: PeerSession, message: Message | null) => void;
  /** Every outcome of a turn, by sender (peer scores); called after the turn's transaction committed. */
  readonly judged?: (session: PeerSession, message: Message, outcome: Outcome<unknown>) => void;
}

export class InboundPath {
  private readonly scheduler: InboundScheduler<InboundWork>;
  private readonly budget = new ReadBudget();
  private readonly prepass: SignaturePrepass<InboundWork> | null;

  constructor(private readonly deps: InboundDeps) {
    this.scheduler = new InboundScheduler<InboundWork>((next) => this.handleTurn(next), {
      turnMs: TURN_MS,
      gatherTurns: GATHER_TURNS,
      gatherItems: GATHER_ITEMS,
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

  /** False when the message was dropped at once: over its budget, or refused on arrival. */
  enqueue(session: PeerSession, message: Message, bytes: number): boolean {
    const { budgets } = this.deps;
    if (budgets && !budgets.admit(session.nodeId!, message, this.deps.clock.now())) {
      this.deps.overBudget?.(session, message);
      return false;
    }
    // With nothing queued ahead, refusing it now is what its turn would do (see MeshEngine.refusedOnArrival),
    // without the queue, the transaction or keeping its frame.
    if (this.queued === 0) {
      const refused = this.deps.engine().refusedOnArrival(session.nodeId!, message);
      if (refused !== null) {
        this.deps.judged?.(session, message, refused);
        return false;
      }
    }
    this.budget.take(session, bytes);
    const { lane } = MESSAGE_INFO[message.type];
    const work = { session, message, bytes };
    if (this.prepass === null || lane === 'critical') this.scheduler.enqueue(lane, work);
    else this.prepass.push(work);
    return true;
  }

  /**
   * The connection's frame budget, spent by every frame before it is parsed (`message` null) and by the PINGs and
   * PONGs the peer manager answers itself; false drops the frame.
   */
  admitFrame(session: PeerSession, message: Message | null, bytes: number): boolean {
    const { budgets } = this.deps;
    if (budgets === undefined) return true;
    const now = this.deps.clock.now();
    const peer = session.nodeId!;
    if (message === null ? budgets.admitFrame(peer, bytes, now) : budgets.admit(peer, message, now))
      return true;
    this.deps.overBudget?.(session, message);
    return false;
  }

  /** One turn, one transaction: everything it stores is durable before any effect leaves this process. */
  private handleTurn(next: () => InboundWork | undefined): void {
    const handled: InboundWork[] = [];
    const outcomes: Array<Outcome<unknown> | null> = [];
    const refusals: Array<[PeerSession, ErrorCode, string | undefined]> = [];
    const engine = this.deps.engine();
    try {
      this.deps.atomically('handling messages', () => {
        for (let work = next(); work !== undefined; work = next()) {
          handled.push(work);
          const { session, message } = work;
          if (session.state !== 'established') {
            outcomes.push(null);
            continue;
          }
          const outcome = engine.handle(session.nodeId!, message);
          outcomes.push(outcome);
          if (outcome.kind === 'reject') refusals.push([session, outcome.code, outcome.detail]);
        }
      });
    } catch {
      return; // the node is stopping (see TrustMeshNode.fail)
    }
    for (const { session, bytes } of handled) this.budget.release(session, bytes);
    this.deps.handled?.(handled.map((work) => work.message));
    const { judged } = this.deps;
    if (judged)
      handled.forEach((work, i) => {
        const outcome = outcomes[i];
        if (outcome) judged(work.session, work.message, outcome);
      });
    for (const [session, code, detail] of refusals) this.deps.refuse(session, code, detail);
  }

  stop(): void {
    this.prepass?.stop();
    this.scheduler.stop();
  }
}
