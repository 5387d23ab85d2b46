// Dialling the endpoints this node keeps connected (configured peers, bootstrap nodes): one target per URL,
// retried with backoff, warned about when unreachable for long, retired when it turns out to be this node.
import { WebSocket } from 'ws';
import type { ErrorCode } from '../../core/errors.js';
import type { Clock } from '../../core/time.js';
import type { Logger } from '../../log.js';
import { backoffDelay, normaliseEndpoint } from '../transport/dialer.js';
import type { DialTarget } from '../transport/interface.js';
import type { PeerManagerOptions, PeerSession } from './interface.js';

const DIAL_WARN_AFTER_MS = 10_000;
const DIAL_WARN_EVERY_MS = 60_000;

/** Close codes that say the endpoint will never be a useful peer, so retrying fast is pointless. */
const SLOW_RETRY: ReadonlySet<ErrorCode | null> = new Set<ErrorCode | null>([
  'TM_ERR_NETWORK_MISMATCH',
  'TM_ERR_BOOTSTRAP_KEY_MISMATCH',
  'TM_ERR_BLACKLISTED',
  'TM_ERR_KEY_ROTATED',
]);

export interface DiallerDeps {
  readonly options: Pick<PeerManagerOptions, 'network' | 'backoff' | 'tlsClient' | 'allowPeer'>;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  /** Whether a node is connected already (it may have dialled us): then its endpoint waits. */
  readonly isConnected: (nodeId: string) => boolean;
  /** Makes an opened socket a session (the handshake starts). */
  readonly attach: (socket: WebSocket, target: DialTarget) => PeerSession;
}

export class Dialler {
  private readonly targets = new Map<string, DialTarget>();
  /** Outbound sockets still opening; a shutdown must not leave them behind. */
  private readonly opening = new Set<WebSocket>();
  private started = false;
  private stopped = false;

  constructor(private readonly deps: DiallerDeps) {}

  start(): void {
    this.started = true;
    for (const target of this.targets.values()) this.dial(target);
  }

  add(url: string, pinnedKey?: string): void {
    const normalised = normaliseEndpoint(url);
    if (this.targets.has(normalised)) return;
    const target: DialTarget = {
      url: normalised,
      pinnedKey,
      attempt: 0,
      timer: null,
      connecting: false,
      retired: false,
    };
    this.targets.set(normalised, target);
    if (this.started && !this.stopped) this.dial(target);
  }

  list(): DialTarget[] {
    return [...this.targets.values()];
  }

  /**
   * Dials an endpoint once (discovery): no retry, no backoff, not listed among the targets. Whether it worked
   * shows as a session established (or not) with the node expected there.
   */
  dialOnce(url: string, pinnedKey: string, nodeId: string, failed?: () => void): void {
    if (!this.started || this.stopped) {
      failed?.();
      return;
    }
    let normalised: string;
    try {
      normalised = normaliseEndpoint(url);
    } catch {
      // A discovered endpoint is untrusted input: one that is not a URL is simply not dialled.
      failed?.();
      return;
    }
    const target: DialTarget = {
      url: normalised,
      pinnedKey,
      nodeId,
      attempt: 0,
      timer: null,
      connecting: false,
      retired: false,
      oneShot: true,
      ...(failed === undefined ? {} : { oneShotFailed: failed }),
    };
    this.dial(target);
  }

  private dial(target: DialTarget): void {
    if (this.stopped || target.retired || target.connecting) return;
    // Already connected to that node another way (it dialled us): check again later instead of duplicating.
    if (target.nodeId !== undefined && this.deps.isConnected(target.nodeId)) {
      this.scheduleDial(target);
      return;
    }
    // A link the filter refuses now (a partition in a test or the simulator) is tried again after backoff.
    if (this.deps.options.allowPeer?.(target.nodeId ?? null, target.url) === false) {
      this.scheduleDial(target);
      return;
    }
    const { params } = this.deps.options.network;
    let socket: WebSocket;
    try {
      socket = new WebSocket(target.url, {
        maxPayload: params.maxFrameBytes,
        handshakeTimeout: params.handshakeTimeoutMs,
        perMessageDeflate: false,
        allowSynchronousEvents: false,
        ...this.deps.options.tlsClient,
      });
    } catch (error) {
      // ws refuses some URLs that parse (an unsupported host form): a failed dial, not a crash in a timer.
      this.dialFailed(target, error as Error);
      target.oneShotFailed?.();
      this.scheduleDial(target);
      return;
    }
    target.connecting = true;
    this.opening.add(socket);
    socket.on('error', (error) => this.dialFailed(target, error));
    socket.once('open', () => {
      this.opening.delete(socket);
      const session = this.deps.attach(socket, target);
      target.connecting = false;
      socket.once('close', () => this.redialAfterClose(target, session));
    });
    socket.once('close', () => {
      this.opening.delete(socket);
      if (!target.connecting) return;
      target.connecting = false;
      target.oneShotFailed?.();
      this.scheduleDial(target);
    });
  }

  /**
   * At warn once it has failed for a while (peers starting together miss each other briefly), then once a
   * minute per endpoint: an operator must see that a peer they configured is unreachable.
   */
  private dialFailed(target: DialTarget, error: Error): void {
    target.lastError = error.message;
    if (target.oneShot) {
      this.deps.logger.debug({ url: target.url, err: error.message }, 'discovered peer unreachable');
      return;
    }
    const now = this.deps.clock.now();
    target.failingSince ??= now;
    const loud =
      now - target.failingSince >= DIAL_WARN_AFTER_MS &&
      now - (target.warnedAt ?? Number.NEGATIVE_INFINITY) >= DIAL_WARN_EVERY_MS;
    if (loud) target.warnedAt = now;
    this.deps.logger[loud ? 'warn' : 'debug'](
      { url: target.url, err: error.message },
      'cannot reach peer; retrying with backoff (is it running, and is the scheme ws:// or wss:// as it serves?)',
    );
  }

  private redialAfterClose(target: DialTarget, session: PeerSession): void {
    if (target.oneShot) {
      if (session.establishedAt === null) target.oneShotFailed?.();
      return;
    }
    const code = session.connection.closedWith;
    if (code === 'TM_ERR_SELF_CONNECTION') {
      target.retired = true;
      this.deps.logger.info({ url: target.url }, 'endpoint is this node; not dialling it again');
      return;
    }
    if (session.establishedAt !== null && code !== 'TM_ERR_DUPLICATE_CONNECTION') target.attempt = 0;
    if (code !== null) target.lastError = code;
    if (SLOW_RETRY.has(code)) target.attempt = Math.max(target.attempt, 20);
    this.scheduleDial(target);
  }

  private scheduleDial(target: DialTarget): void {
    if (this.stopped || target.retired || target.oneShot || target.timer !== null) return;
    const delay = backoffDelay(target.attempt++, this.deps.options.backoff, this.deps.random);
    target.timer = setTimeout(() => {
      target.timer = null;
      this.dial(target);
    }, delay);
  }

  /** Stops every retry timer and abandons sockets still opening; established sessions are not its business. */
  stop(): void {
    this.stopped = true;
    for (const target of this.targets.values()) {
      if (target.timer) clearTimeout(target.timer);
      target.timer = null;
    }
    for (const socket of this.opening) socket.terminate();
    this.opening.clear();
  }
}
