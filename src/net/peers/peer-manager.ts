// Every peer connection's life: handshake, heartbeat, duplicate resolution, dialing with backoff, disconnects.
// Hands established peers' messages to the inbound scheduler and implements the engine's output by node id.
import { type ClientOptions, WebSocket } from 'ws';
import type { Crypto } from '../../core/crypto.js';
import type { EngineOutput } from '../../core/engine/types.js';
import { ERROR_CODES, type ErrorCode } from '../../core/errors.js';
import { createAck, createHandshake, handshakeProblem, verifyAck } from '../../core/handshake.js';
import { decodeFrame } from '../../core/messages/decode.js';
import { MESSAGE_INFO } from '../../core/messages/registry.js';
import type { Handshake, Message } from '../../core/messages/schemas.js';
import type { Network } from '../../core/network.js';
import type { NodeRegistry } from '../../core/nodes/registry.js';
import type { Failure } from '../../core/outcome.js';
import type { Signer } from '../../core/signing.js';
import { type Clock, type Entropy, isoTimestamp } from '../../core/time.js';
import type { Logger } from '../../log.js';
import { Connection, type ConnectionLimits } from '../transport/connection.js';
import {
  type BackoffOptions,
  backoffDelay,
  type DialTarget,
  normaliseEndpoint,
} from '../transport/dialer.js';

export type PeerState = 'handshaking' | 'established' | 'closed';

export interface PeerSession {
  readonly connection: Connection;
  readonly self: Handshake;
  readonly openedAt: number;
  state: PeerState;
  peer: Handshake | null;
  nodeId: string | null;
  ackSent: boolean;
  ackVerified: boolean;
  lastReceived: number;
  rttMs: number | null;
  establishedAt: number | null;
  dialTarget: DialTarget | null;
  handshakeTimer: NodeJS.Timeout | null;
  /** Messages (and their bytes) waiting in the inbound scheduler, for read backpressure. */
  inboundQueued: number;
  inboundBytes: number;
}

export interface PeerSummary {
  nodeId: string;
  direction: 'inbound' | 'outbound';
  address: string;
  endpoints: string[];
  capabilities: string[];
  connectedAt: string;
  rttMs: number | null;
  queuedFrames: number;
  framesSent: number;
  framesReceived: number;
}

export interface PeerManagerOptions {
  readonly network: Network;
  readonly capabilities: readonly string[];
  readonly endpoints: readonly string[];
  readonly agent: string;
  readonly maxInboundPeers: number;
  readonly limits: ConnectionLimits;
  readonly backoff: BackoffOptions;
  /** Extra TLS options for outbound wss:// (a private CA, for example). */
  readonly tlsClient?: Pick<ClientOptions, 'ca' | 'rejectUnauthorized'>;
}

export interface PeerManagerModules {
  readonly crypto: Crypto;
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly random: () => number;
  readonly logger: Logger;
  /** The current key (it changes on rotation) and the registry's view of who is blacklisted or rotated. */
  readonly signer: () => Signer;
  readonly registry: () => NodeRegistry;
  readonly onEstablished: (session: PeerSession) => void;
  readonly onClosed: (session: PeerSession, code: ErrorCode | null) => void;
  /** A message from an established peer, with the size of the frame it arrived in. */
  readonly onMessage: (session: PeerSession, message: Message, bytes: number) => void;
  readonly onFrameRefused?: (session: PeerSession, failure: Failure) => void;
}

const DIAL_WARN_AFTER_MS = 10_000;
const DIAL_WARN_EVERY_MS = 60_000;

/** Close codes that say the endpoint will never be a useful peer, so retrying fast is pointless. */
const SLOW_RETRY: ReadonlySet<ErrorCode | null> = new Set<ErrorCode | null>([
  'TM_ERR_NETWORK_MISMATCH',
  'TM_ERR_BOOTSTRAP_KEY_MISMATCH',
  'TM_ERR_BLACKLISTED',
  'TM_ERR_KEY_ROTATED',
]);

/** ws framing errors with a more specific code; every other framing fault is TM_ERR_FRAME_INVALID. */
const FRAMING_FAULTS: Readonly<Record<string, ErrorCode>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'TM_ERR_FRAME_TOO_LARGE',
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 'TM_ERR_FRAME_TOO_LARGE',
  WS_ERR_INVALID_UTF8: 'TM_ERR_FRAME_NOT_JSON',
};

/**
 * The code a peer gives as its close reason, when it is one of ours. Anything else is ignored (it would become
 * a metrics label), and so is TM_ERR_SELF_CONNECTION: only this node can tell it dialled itself, and believing a
 * peer's word for it would retire the endpoint for good.
 */
function claimedCode(reason: string): ErrorCode | null {
  if (!Object.hasOwn(ERROR_CODES, reason) || reason === 'TM_ERR_SELF_CONNECTION') return null;
  return reason as ErrorCode;
}

export class PeerManager implements EngineOutput {
  private readonly sessions = new Set<PeerSession>();
  private readonly byNode = new Map<string, PeerSession>();
  private readonly targets = new Map<string, DialTarget>();
  /** Outbound sockets still opening; a shutdown must not leave them behind. */
  private readonly dialling = new Set<WebSocket>();
  /** The exact text each inbound message arrived in: forwarding re-sends it instead of re-serialising. */
  private readonly frames = new WeakMap<object, string>();
  private heartbeat: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly options: PeerManagerOptions,
    private readonly modules: PeerManagerModules,
  ) {}

  start(): void {
    const { heartbeatMs } = this.options.network.params;
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
    for (const target of this.targets.values()) this.dial(target);
  }

  // ---- Dialing -----------------------------------------------------------------------------------------

  addTarget(url: string, pinnedKey?: string): void {
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
    if (this.heartbeat !== null) this.dial(target);
  }

  targetList(): DialTarget[] {
    return [...this.targets.values()];
  }

  private dial(target: DialTarget): void {
    if (this.stopped || target.retired || target.connecting) return;
    // Already connected to that node another way (it dialled us): check again later instead of duplicating.
    if (target.nodeId !== undefined && this.byNode.has(target.nodeId)) {
      this.scheduleDial(target);
      return;
    }
    target.connecting = true;
    const socket = new WebSocket(target.url, {
      maxPayload: this.options.network.params.maxFrameBytes,
      handshakeTimeout: this.options.network.params.handshakeTimeoutMs,
      perMessageDeflate: false,
      ...this.options.tlsClient,
    });
    this.dialling.add(socket);
    socket.on('error', (error) => {
      target.lastError = error.message;
      // At warn once it has failed for a while (peers starting together miss each other briefly), then once a
      // minute per endpoint: an operator must see that a peer they configured is unreachable.
      const now = this.modules.clock.now();
      target.failingSince ??= now;
      const loud =
        now - target.failingSince >= DIAL_WARN_AFTER_MS &&
        now - (target.warnedAt ?? Number.NEGATIVE_INFINITY) >= DIAL_WARN_EVERY_MS;
      if (loud) target.warnedAt = now;
      this.modules.logger[loud ? 'warn' : 'debug'](
        { url: target.url, err: error.message },
        'cannot reach peer; retrying with backoff (is it running, and is the scheme ws:// or wss:// as it serves?)',
      );
    });
    socket.once('open', () => {
      this.dialling.delete(socket);
      const session = this.attach(socket, true, target.url, target);
      target.connecting = false;
      socket.once('close', () => this.redialAfterClose(target, session));
    });
    socket.once('close', () => {
      this.dialling.delete(socket);
      if (!target.connecting) return;
      target.connecting = false;
      this.scheduleDial(target);
    });
  }

  private redialAfterClose(target: DialTarget, session: PeerSession): void {
    const code = session.connection.closedWith;
    if (code === 'TM_ERR_SELF_CONNECTION') {
      target.retired = true;
      this.modules.logger.info({ url: target.url }, 'endpoint is this node; not dialling it again');
      return;
    }
    if (session.establishedAt !== null && code !== 'TM_ERR_DUPLICATE_CONNECTION') target.attempt = 0;
    if (code !== null) target.lastError = code;
    if (SLOW_RETRY.has(code)) target.attempt = Math.max(target.attempt, 20);
    this.scheduleDial(target);
  }

  private scheduleDial(target: DialTarget): void {
    if (this.stopped || target.retired || target.timer !== null) return;
    const delay = backoffDelay(target.attempt++, this.options.backoff, this.modules.random);
    target.timer = setTimeout(() => {
      target.timer = null;
      this.dial(target);
    }, delay);
  }

  // ---- Sessions ----------------------------------------------------------------------------------------

  /** Takes over an open socket (accepted or dialled): sends our HANDSHAKE and starts the handshake clock. */
  attach(
    socket: WebSocket,
    outbound: boolean,
    remoteAddress: string,
    dialTarget: DialTarget | null = null,
  ): PeerSession {
    const { params } = this.options.network;
    const connection = new Connection(socket, outbound, remoteAddress, this.options.limits, (code, detail) =>
      this.refuse(session, code, detail),
    );
    const now = this.modules.clock.now();
    const self = createHandshake(
      this.modules.signer(),
      this.options.network.networkId,
      this.modules.entropy.nonce(),
      this.options.capabilities,
      this.options.endpoints,
      this.options.agent,
    );
    const session: PeerSession = {
      connection,
      self,
      openedAt: now,
      state: 'handshaking',
      peer: null,
      nodeId: null,
      ackSent: false,
      ackVerified: false,
      lastReceived: now,
      rttMs: null,
      establishedAt: null,
      dialTarget,
      handshakeTimer: null,
      inboundQueued: 0,
      inboundBytes: 0,
    };
    this.sessions.add(session);
    if (this.stopped) {
      connection.close(null, 'shutting down');
      return session;
    }
    if (!outbound && this.inboundCount() > this.options.maxInboundPeers) {
      // Logged and finished at once, so refused sockets waiting to close do not count against the limit.
      this.refuse(session, 'TM_ERR_TOO_MANY_PEERS', `limit ${this.options.maxInboundPeers}`);
      return session;
    }
    socket.on('message', (data, isBinary) => {
      // Untrusted input must never take the process down: a throw here is our bug, and costs only this peer.
      try {
        this.onFrame(session, data as Buffer, isBinary);
      } catch (error) {
        this.modules.logger.error({ peer: this.label(session), err: error }, 'failed to handle a frame');
        this.refuse(session, 'TM_ERR_INTERNAL', 'frame handling failed');
      }
    });
    socket.on('error', (error) => this.onSocketError(session, error));
    socket.once('close', (code, reason) => this.onSocketClose(session, code, reason.toString()));
    session.handshakeTimer = setTimeout(() => {
      if (session.state === 'handshaking')
        this.refuse(session, 'TM_ERR_HANDSHAKE_TIMEOUT', `${params.handshakeTimeoutMs} ms`);
    }, params.handshakeTimeoutMs);
    connection.send(JSON.stringify(self), 'critical');
    return session;
  }

  private inboundCount(): number {
    let count = 0;
    for (const session of this.sessions)
      if (!session.connection.outbound && session.state !== 'closed') count++;
    return count;
  }

  private onFrame(session: PeerSession, data: Buffer, isBinary: boolean): void {
    if (session.state === 'closed') return;
    session.lastReceived = this.modules.clock.now();
    const { connection } = session;
    connection.stats.framesReceived++;
    connection.stats.bytesReceived += data.length;
    if (isBinary) {
      this.refuse(session, 'TM_ERR_FRAME_BINARY');
      return;
    }
    const text = data.toString('utf8');
    const decoded = decodeFrame(text, this.options.network.params.maxFrameBytes);
    if (decoded.kind !== 'accept') {
      this.modules.onFrameRefused?.(session, decoded);
      if (decoded.kind === 'reject') this.refuse(session, decoded.code, decoded.detail);
      else
        this.modules.logger.debug(
          { peer: this.label(session), code: decoded.code, detail: decoded.detail },
          'frame ignored',
        );
      return;
    }
    const message = decoded.value;
    if (session.state === 'handshaking') {
      this.onHandshakeFrame(session, message);
      return;
    }
    switch (message.type) {
      case 'PING':
        connection.send(JSON.stringify({ type: 'PONG', timestamp: message.timestamp }), 'critical');
        return;
      case 'PONG': {
        const sent = Date.parse(message.timestamp);
        if (!Number.isNaN(sent)) session.rttMs = Math.max(0, this.modules.clock.now() - sent);
        return;
      }
      case 'HANDSHAKE':
      case 'HANDSHAKE_ACK':
        this.refuse(session, 'TM_ERR_HANDSHAKE_UNEXPECTED', 'handshake already complete');
        return;
      default:
        this.frames.set(message, text);
        this.modules.onMessage(session, message, data.length);
    }
  }

  private onHandshakeFrame(session: PeerSession, message: Message): void {
    const { crypto } = this.modules;
    const networkId = this.options.network.networkId;
    if (message.type === 'HANDSHAKE') {
      if (session.peer !== null) {
        this.refuse(session, 'TM_ERR_HANDSHAKE_UNEXPECTED', 'second HANDSHAKE');
        return;
      }
      const problem = handshakeProblem(crypto, message, {
        networkId,
        selfId: this.modules.signer().nodeId,
        registry: this.modules.registry(),
        pinnedKey: session.dialTarget?.pinnedKey,
      });
      if (problem !== null) {
        this.refuse(session, problem, message.nodeId.slice(0, 12));
        return;
      }
      session.peer = message;
      session.connection.send(
        JSON.stringify(createAck(this.modules.signer(), networkId, message)),
        'critical',
      );
      session.ackSent = true;
    } else if (message.type === 'HANDSHAKE_ACK') {
      if (session.peer === null || session.ackVerified) {
        this.refuse(session, 'TM_ERR_HANDSHAKE_UNEXPECTED', 'HANDSHAKE_ACK before HANDSHAKE');
        return;
      }
      if (!verifyAck(crypto, networkId, message, session.peer, session.self)) {
        this.refuse(session, 'TM_ERR_SIG_INVALID', 'nonce signature does not verify');
        return;
      }
      session.ackVerified = true;
    } else {
      this.refuse(session, 'TM_ERR_NOT_HANDSHAKEN', message.type);
      return;
    }
    if (session.ackSent && session.ackVerified) this.establish(session);
  }

  private establish(session: PeerSession): void {
    const peer = session.peer!;
    if (session.handshakeTimer) clearTimeout(session.handshakeTimer);
    session.handshakeTimer = null;
    // The handshake proved which node this endpoint is, even if this connection loses to a duplicate below:
    // its dialler must then wait while that node is connected the other way, not dial it again and again.
    if (session.dialTarget) {
      session.dialTarget.nodeId = peer.nodeId;
      session.dialTarget.failingSince = undefined;
    }
    const existing = this.byNode.get(peer.nodeId);
    if (existing !== undefined && existing !== session) {
      const keep = this.preferred(existing, session);
      const drop = keep === existing ? session : existing;
      this.refuse(drop, 'TM_ERR_DUPLICATE_CONNECTION', peer.nodeId.slice(0, 12));
      if (drop === session) return;
    }
    session.state = 'established';
    session.nodeId = peer.nodeId;
    session.establishedAt = this.modules.clock.now();
    this.byNode.set(peer.nodeId, session);
    this.modules.logger.info(
      {
        peer: peer.nodeId.slice(0, 12),
        direction: session.connection.outbound ? 'outbound' : 'inbound',
        address: session.connection.remoteAddress,
      },
      'peer connected',
    );
    this.modules.onEstablished(session);
  }

  /**
   * Of two connections to one node, both ends must keep the same one without talking about it: keep the one
   * dialled by the smaller node id; if one node dialled both, the one whose dialler's nonce is larger.
   */
  private preferred(a: PeerSession, b: PeerSession): PeerSession {
    const selfId = this.modules.signer().nodeId;
    const dialler = (s: PeerSession) => (s.connection.outbound ? selfId : s.peer!.nodeId);
    const diallerNonce = (s: PeerSession) => (s.connection.outbound ? s.self.nonce : s.peer!.nonce);
    if (dialler(a) !== dialler(b)) return dialler(a) < dialler(b) ? a : b;
    return diallerNonce(a) > diallerNonce(b) ? a : b;
  }

  /** Closes a session for a reason that is the peer's fault (or a policy), logging it. */
  refuse(session: PeerSession, code: ErrorCode, detail?: string): void {
    if (session.state === 'closed') return;
    const level =
      code === 'TM_ERR_DUPLICATE_CONNECTION' || code === 'TM_ERR_SELF_CONNECTION' ? 'debug' : 'warn';
    this.modules.logger[level]({ peer: this.label(session), code, detail }, 'closing connection');
    this.close(session, code, detail);
  }

  private close(session: PeerSession, code: ErrorCode | null, detail?: string): void {
    if (session.state === 'closed') return;
    session.connection.close(code, detail);
    this.finish(session, code);
  }

  /**
   * ws reports a peer that broke the WebSocket framing rules (oversized, not UTF-8, bad opcode or mask) as an
   * error, after it has already sent its own close (1009, 1007, 1002): refuse the peer here with a typed reason.
   */
  private onSocketError(session: PeerSession, error: Error & { code?: string }): void {
    const wsError = error.code;
    if (session.state === 'closed' || wsError === undefined || !wsError.startsWith('WS_ERR_')) {
      this.modules.logger.debug({ peer: this.label(session), err: error.message }, 'socket error');
      return;
    }
    const code = FRAMING_FAULTS[wsError] ?? 'TM_ERR_FRAME_INVALID';
    this.modules.logger.warn(
      { peer: this.label(session), code, wsError, detail: error.message },
      'closing connection',
    );
    this.close(session, code, error.message);
  }

  private onSocketClose(session: PeerSession, wsCode: number, reason: string): void {
    if (session.state === 'closed') return;
    const code = session.connection.closedWith ?? claimedCode(reason);
    session.connection.close(code);
    this.modules.logger.debug({ peer: this.label(session), wsCode, reason }, 'socket closed');
    this.finish(session, code);
  }

  private finish(session: PeerSession, code: ErrorCode | null): void {
    const wasEstablished = session.state === 'established';
    session.state = 'closed';
    if (session.handshakeTimer) clearTimeout(session.handshakeTimer);
    session.handshakeTimer = null;
    this.sessions.delete(session);
    if (session.nodeId !== null && this.byNode.get(session.nodeId) === session)
      this.byNode.delete(session.nodeId);
    if (wasEstablished) {
      this.modules.logger.info({ peer: session.nodeId?.slice(0, 12), code }, 'peer disconnected');
      this.modules.onClosed(session, code);
    }
  }

  private label(session: PeerSession): string {
    return (
      session.nodeId?.slice(0, 12) ?? session.peer?.nodeId.slice(0, 12) ?? session.connection.remoteAddress
    );
  }

  /** Pings every peer and drops those silent for `heartbeatMissLimit` intervals. */
  private beat(): void {
    const now = this.modules.clock.now();
    const { heartbeatMs, heartbeatMissLimit } = this.options.network.params;
    const ping = JSON.stringify({ type: 'PING', timestamp: isoTimestamp(now) });
    for (const session of [...this.byNode.values()]) {
      if (now - session.lastReceived > heartbeatMs * heartbeatMissLimit) {
        this.refuse(session, 'TM_ERR_PEER_TIMEOUT', `silent for ${now - session.lastReceived} ms`);
      } else {
        session.connection.send(ping, 'critical');
      }
    }
  }

  /** Follows a key rotation: the connection stays, its peer is now known by the new id. */
  rename(fromId: string, toId: string): void {
    const session = this.byNode.get(fromId);
    if (session === undefined) return;
    // Already connected under the new id too (it dialled us after rotating): keep that one.
    const existing = this.byNode.get(toId);
    if (existing !== undefined) {
      this.byNode.delete(fromId);
      this.refuse(session, 'TM_ERR_DUPLICATE_CONNECTION', 'renamed onto an existing connection');
      return;
    }
    this.byNode.delete(fromId);
    session.nodeId = toId;
    this.byNode.set(toId, session);
  }

  // ---- EngineOutput ------------------------------------------------------------------------------------

  private frameOf(message: Message): string {
    return this.frames.get(message) ?? JSON.stringify(message);
  }

  send(peerId: string, message: Message): boolean {
    const session = this.byNode.get(peerId);
    if (session === undefined) return false;
    return session.connection.send(this.frameOf(message), MESSAGE_INFO[message.type].lane);
  }

  broadcast(message: Message, except?: string): void {
    const frame = this.frameOf(message);
    const lane = MESSAGE_INFO[message.type].lane;
    for (const [nodeId, session] of this.byNode) {
      if (nodeId !== except) session.connection.send(frame, lane);
    }
  }

  isConnected(peerId: string): boolean {
    return this.byNode.has(peerId);
  }

  disconnect(peerId: string, code: ErrorCode): void {
    const session = this.byNode.get(peerId);
    if (session !== undefined) this.refuse(session, code);
  }

  // ---- Introspection and shutdown ----------------------------------------------------------------------

  connectedIds(): string[] {
    return [...this.byNode.keys()];
  }

  session(peerId: string): PeerSession | undefined {
    return this.byNode.get(peerId);
  }

  summaries(): PeerSummary[] {
    return [...this.byNode.values()].map((session) => ({
      nodeId: session.nodeId!,
      direction: session.connection.outbound ? 'outbound' : 'inbound',
      address: session.connection.remoteAddress,
      endpoints: [...(session.peer?.endpoints ?? [])],
      capabilities: [...(session.peer?.capabilities ?? [])],
      connectedAt: isoTimestamp(session.establishedAt ?? session.openedAt),
      rttMs: session.rttMs,
      queuedFrames: session.connection.queuedFrames,
      framesSent: session.connection.stats.framesSent,
      framesReceived: session.connection.stats.framesReceived,
    }));
  }

  /** Closes every connection (code 1001) and stops all timers; sockets finish closing in the background. */
  stop(): void {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const target of this.targets.values()) {
      if (target.timer) clearTimeout(target.timer);
      target.timer = null;
    }
    for (const session of [...this.sessions]) this.close(session, null, 'shutting down');
    for (const socket of this.dialling) socket.terminate();
    this.dialling.clear();
  }

  /** Sockets still open (for graceful shutdown to wait on). */
  openSockets(): WebSocket[] {
    return [...this.sessions].map((session) => session.connection.socket);
  }
}
