// Verifies the signatures of inbound messages in batches before their engine turn, on a SignatureVerifier that
// may run on other threads; messages then reach the turn in arrival order and find their checks cached.
import type { SignatureVerifier } from '../core/signature-verifier.js';
import type { SignatureCheck, SignedMessage } from '../core/signing.js';
import type { MessageVerifier, PreparedMessage } from '../core/verifier.js';
import { Fifo } from '../net/fifo.js';

/** Messages per batch at most, and checks: enough to amortise a worker round trip (~30 µs) over many checks. */
const MAX_WORKS_PER_BATCH = 512;
const MAX_CHECKS_PER_BATCH = 256;
/**
 * Event-loop turns a batch waits for more work while fewer than GATHER_WORKS are pending: sockets hand over one
 * frame per turn each, and a batch of three would pay a worker round trip for three checks.
 */
const GATHER_TURNS = 8;
const GATHER_WORKS = 64;

export interface PrepassDeps<W> {
  readonly verifier: SignatureVerifier;
  readonly messages: () => MessageVerifier;
  /** What the engine would verify for this work now (see MeshEngine.signaturesAhead). */
  readonly signaturesOf: (work: W) => SignedMessage[];
  /** Hands verified work on, in the order it was pushed. */
  readonly deliver: (work: W) => void;
}

interface Batch<W> {
  readonly works: W[];
  readonly prepared: PreparedMessage[];
  results: boolean[] | null;
  done: boolean;
}

export class SignaturePrepass<W> {
  private readonly pending = new Fifo<W>();
  private readonly batches = new Fifo<Batch<W>>();
  private head: Batch<W> | undefined;
  private scheduled: NodeJS.Immediate | null = null;
  private stopped = false;
  /** Works pushed and not yet delivered. */
  private held = 0;
  /** Turns the pending flush has waited so far to gather work. */
  private waited = 0;
  /** Held work waits for the verifier to have room (it may be full with others' checks, which end unseen here). */
  private awaitingRoom = false;

  constructor(private readonly deps: PrepassDeps<W>) {}

  get queued(): number {
    return this.held;
  }

  push(work: W): void {
    if (this.stopped) return;
    this.held++;
    this.pending.push(work);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled !== null || this.stopped) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      this.flush();
    });
  }

  /**
   * Cuts batches from the pending work while the verifier takes more. While it is full, work that needs no check
   * (a sync answer, a message whose checks are cached) still goes on in order: it must not wait behind checks
   * queued by others, such as a synced part verified ahead of its import.
   */
  private flush(): void {
    if (this.pending.length === 0) return;
    if (this.pending.length < GATHER_WORKS && this.waited < GATHER_TURNS) {
      this.waited++;
      this.schedule();
      return;
    }
    this.waited = 0;
    const { verifier } = this.deps;
    while (!this.stopped && this.pending.length > 0) {
      if (!this.startBatch(verifier.canAcceptWork())) break;
    }
    if (this.stopped || this.pending.length === 0 || this.awaitingRoom || verifier.canAcceptWork()) return;
    this.awaitingRoom = true;
    void verifier.whenAvailable().then(() => {
      this.awaitingRoom = false;
      // A later turn, not this microtask: a verifier that says it has room and then has none must not spin.
      this.schedule();
    });
  }

  /** Cuts one batch; without `withChecks` it ends before the first work that needs a check. False if empty. */
  private startBatch(withChecks: boolean): boolean {
    const messages = this.deps.messages();
    const works: W[] = [];
    const prepared: PreparedMessage[] = [];
    const keys = new Set<string>();
    const checks: SignatureCheck[] = [];
    while (works.length < MAX_WORKS_PER_BATCH && checks.length < MAX_CHECKS_PER_BATCH) {
      const work = this.pending.peek();
      if (work === undefined) break;
      const needed: PreparedMessage[] = [];
      for (const message of this.deps.signaturesOf(work)) {
        const ready = messages.prepare(message);
        if (ready !== null && !keys.has(ready.key) && !needed.some((other) => other.key === ready.key))
          needed.push(ready);
      }
      if (!withChecks && needed.some((ready) => ready.checks.length > 0)) break;
      this.pending.shift();
      works.push(work);
      for (const ready of needed) {
        keys.add(ready.key);
        prepared.push(ready);
        checks.push(...ready.checks);
      }
    }
    if (works.length === 0) return false;
    const batch: Batch<W> = { works, prepared, results: null, done: checks.length === 0 };
    this.batches.push(batch);
    if (batch.done) {
      this.deliverReady();
      return true;
    }
    this.deps.verifier.verifyBatch(checks).then(
      (results) => this.complete(batch, results),
      // The verifier failed: nothing is known, so the engine checks these itself in the turn.
      () => this.complete(batch, null),
    );
    return true;
  }

  private complete(batch: Batch<W>, results: boolean[] | null): void {
    batch.results = results;
    batch.done = true;
    if (this.stopped) return;
    this.deliverReady();
    this.flush();
  }

  private deliverReady(): void {
    this.head ??= this.batches.shift();
    while (this.head?.done === true) {
      const { works, prepared, results } = this.head;
      if (results !== null) {
        const messages = this.deps.messages();
        let at = 0;
        for (const ready of prepared) {
          messages.settle(ready, results.slice(at, at + ready.checks.length));
          at += ready.checks.length;
        }
      }
      for (const work of works) {
        this.held--;
        this.deps.deliver(work);
      }
      this.head = this.batches.shift();
    }
  }

  /** Drops held work (shutdown); late results are ignored. */
  stop(): void {
    this.stopped = true;
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.pending.clear();
    this.batches.clear();
    this.head = undefined;
    this.held = 0;
  }
}
