// Outstanding requests to peers: issues ids, sends at most `maxOutstandingPerPeer` to one peer at a time (the rest
// wait their turn), and ends each one exactly once — answered by that peer, timed out, peer gone, or stopped.
import { TrustMeshError } from '../../core/errors.js';
import { Fifo } from '../fifo.js';
import {
  type RequestFailureCode,
  type RequestOutcome,
  type RequestTrackerModules,
  type RequestTrackerOptions,
  type SendRequest,
  SYSTEM_TIMERS,
  type TimerScheduler,
} from './interface.js';

interface Pending<R> {
  readonly peerId: string;
  readonly send: SendRequest;
  readonly resolve: (outcome: RequestOutcome<R>) => void;
  /** Set when sent; a queued request has no id and no timer yet. */
  id: string | null;
  timer: unknown;
}

/** One peer's requests: those sent and awaiting an answer, and those waiting for a free slot. */
interface PeerRequests<R> {
  readonly sent: Set<Pending<R>>;
  readonly waiting: Fifo<Pending<R>>;
}

const failed = (code: RequestFailureCode, detail: string) => ({ kind: 'failed', code, detail }) as const;

export class RequestTracker<R> {
  private readonly byId = new Map<string, Pending<R>>();
  private readonly byPeer = new Map<string, PeerRequests<R>>();
  private readonly scheduler: TimerScheduler;
  private readonly nextId: () => string;
  private counter = 0;
  private stopped = false;

  constructor(
    private readonly options: RequestTrackerOptions,
    modules: RequestTrackerModules = {},
  ) {
    if (!(options.maxOutstandingPerPeer >= 1))
      throw new TrustMeshError('TM_ERR_CONFIG_INVALID', 'maxOutstandingPerPeer must be at least 1');
    this.scheduler = modules.scheduler ?? SYSTEM_TIMERS;
    this.nextId = modules.nextId ?? (() => `r-${(this.counter++).toString(36)}`);
  }

  /** Sends a request to one peer (now, or once one of its slots frees) and resolves with how it ended. */
  request(peerId: string, send: SendRequest): Promise<RequestOutcome<R>> {
    if (this.stopped) return Promise.resolve(failed('TM_ERR_NOT_RUNNING', 'request tracker stopped'));
    return new Promise((resolve) => {
      const pending: Pending<R> = { peerId, send, resolve, id: null, timer: null };
      const peer = this.peer(peerId);
      if (peer.sent.size < this.options.maxOutstandingPerPeer && peer.waiting.length === 0)
        this.dispatch(pending, peer);
      else peer.waiting.push(pending);
    });
  }

  /** An answer arrived: true when it matched a request sent to that very peer under that id (and ended it). */
  respond(peerId: string, id: string, response: R): boolean {
    const pending = this.byId.get(id);
    if (pending === undefined || pending.peerId !== peerId) return false;
    this.end(pending, { kind: 'answered', response });
    this.sendWaiting(peerId);
    return true;
  }

  /** The peer disconnected: everything sent to it or waiting for it ends now rather than at its deadline. */
  peerGone(peerId: string, detail = 'peer disconnected'): void {
    this.failAll(peerId, 'TM_ERR_PEER_DISCONNECTED', detail);
  }

  /** Peers with requests sent or waiting. */
  peers(): string[] {
    return [...this.byPeer.keys()];
  }

  /** Requests sent to a peer and not yet answered. */
  outstanding(peerId: string): number {
    return this.byPeer.get(peerId)?.sent.size ?? 0;
  }

  /** Requests waiting for a free slot with a peer. */
  waiting(peerId: string): number {
    return this.byPeer.get(peerId)?.waiting.length ?? 0;
  }

  /** Ends every request (TM_ERR_NOT_RUNNING) and clears every timer; later requests end at once. */
  stop(): void {
    this.stopped = true;
    for (const peerId of this.peers()) this.failAll(peerId, 'TM_ERR_NOT_RUNNING', 'request tracker stopped');
  }

  private peer(peerId: string): PeerRequests<R> {
    let peer = this.byPeer.get(peerId);
    if (peer === undefined) {
      peer = { sent: new Set(), waiting: new Fifo() };
      this.byPeer.set(peerId, peer);
    }
    return peer;
  }

  private dispatch(pending: Pending<R>, peer: PeerRequests<R>): void {
    const id = this.nextId();
    if (this.byId.has(id)) throw new TrustMeshError('TM_ERR_INTERNAL', `request id ${id} is already in use`);
    pending.id = id;
    peer.sent.add(pending);
    this.byId.set(id, pending);
    pending.timer = this.scheduler.setTimeout(() => {
      this.end(pending, failed('TM_ERR_REQUEST_TIMEOUT', `no answer in ${this.options.timeoutMs} ms`));
      this.sendWaiting(pending.peerId);
    }, this.options.timeoutMs);
    let sent: boolean;
    try {
      sent = pending.send(id);
    } catch (error) {
      // The caller's bug, but it may surface inside a timer here: end the requests instead of the process.
      this.peerGone(pending.peerId, `sending the request failed: ${(error as Error).message}`);
      return;
    }
    if (!sent) this.peerGone(pending.peerId, 'request could not be sent');
  }

  /** Fills the peer's free slots from its waiting requests, oldest first. */
  private sendWaiting(peerId: string): void {
    const peer = this.byPeer.get(peerId);
    if (peer === undefined) return;
    while (peer.sent.size < this.options.maxOutstandingPerPeer && !this.stopped) {
      const next = peer.waiting.shift();
      if (next === undefined) break;
      this.dispatch(next, peer);
      // A failed send ends everything of this peer, this loop's waiting requests included.
      if (this.byPeer.get(peerId) !== peer) return;
    }
    this.forgetIfIdle(peerId, peer);
  }

  /** Ends one sent request once: clears its timer and frees its slot. */
  private end(pending: Pending<R>, outcome: RequestOutcome<R>): void {
    if (pending.id === null || this.byId.get(pending.id) !== pending) return;
    this.byId.delete(pending.id);
    this.scheduler.clearTimeout(pending.timer);
    const peer = this.byPeer.get(pending.peerId);
    peer?.sent.delete(pending);
    pending.resolve(outcome);
  }

  private failAll(peerId: string, code: RequestFailureCode, detail: string): void {
    const peer = this.byPeer.get(peerId);
    if (peer === undefined) return;
    this.byPeer.delete(peerId);
    for (const pending of [...peer.sent]) this.end(pending, failed(code, detail));
    for (let next = peer.waiting.shift(); next !== undefined; next = peer.waiting.shift())
      next.resolve(failed(code, detail));
  }

  private forgetIfIdle(peerId: string, peer: PeerRequests<R>): void {
    if (peer.sent.size === 0 && peer.waiting.length === 0 && this.byPeer.get(peerId) === peer)
      this.byPeer.delete(peerId);
  }
}
