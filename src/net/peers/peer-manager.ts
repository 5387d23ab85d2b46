// The peer manager: wires dialling, handshake, sessions, heartbeat and frame routing (see interface.ts), owns
// each session's open and close, and implements the engine's output by node id.
import type { WebSocket } from 'ws';
import type { EngineOutput } from '../../core/engine/types.js';
import type { ErrorCode } from '../../core/errors.js';
import { MESSAGE_INFO } from '../../core/messages/registry.js';
import type { Message } from '../../core/messages/schemas.js';
import { Connection } from '../transport/connection.js';
import type { DialTarget } from '../transport/interface.js';
import { AdmissionPolicy, defaultAdmission } from './admission.js';
import { claimedCode, framingFault, isRoutineClose } from './close-codes.js';
import { Dialler } from './dialler.js';
import { FrameRouter } from './frames.js';
import { HandshakeMachine } from './handshake.js';
import { Heartbeat } from './heartbeat.js';
import type { PeerManagerModules, PeerManagerOptions, PeerSession, PeerSummary } from './interface.js';
import { newSession, SessionTable, sessionLabel } from './sessions.js';

export type {
  PeerManagerModules,
  PeerManagerOptions,
  PeerSession,
  PeerState,
  PeerSummary,
} from './interface.js';

export class PeerManager implements EngineOutput {
  private readonly sessions: SessionTable;
  private readonly dialler: Dialler;
  private readonly handshake: HandshakeMachine;
  private readonly heartbeat: Heartbeat;
  private readonly router: FrameRouter;
  private readonly admission: AdmissionPolicy;
  /** The exact text each inbound message arrived in: forwarding re-sends it instead of re-serialising. */
  private readonly frames = new WeakMap<object, string>();
  private stopped = false;

  constructor(
    private readonly options: PeerManagerOptions,
    private readonly modules: PeerManagerModules,
  ) {
    const { clock, logger } = modules;
    const refuse = (session: PeerSession, code: ErrorCode, detail?: string) =>
      this.refuse(session, code, detail);
    this.sessions = new SessionTable(() => modules.signer().nodeId);
    this.admission = new AdmissionPolicy(
      { ...defaultAdmission(options.maxInboundPeers), ...options.admission },
      (nodeId) => modules.registry().isMember(nodeId),
      (nodeId) => modules.scoreOf?.(nodeId) ?? 0,
    );
    this.dialler = new Dialler({
      options,
      clock,
      random: modules.random,
      logger,
      isConnected: (nodeId) => this.sessions.has(nodeId),
      attach: (socket, target) => this.attach(socket, true, target.url, target),
    });
    this.handshake = new HandshakeMachine({
      options,
      crypto: modules.crypto,
      entropy: modules.entropy,
      signer: modules.signer,
      registry: modules.registry,
      work: () => modules.work?.(),
      refuse,
      complete: (session) => this.establish(session),
    });
    this.heartbeat = new Heartbeat({
      options,
      clock,
      established: () => this.sessions.established(),
      refuse,
    });
    this.router = new FrameRouter({
      options,
      clock,
      logger,
      refuse,
      handshake: this.handshake,
      heartbeat: this.heartbeat,
      hooks: modules,
      remember: (message, text) => this.frames.set(message, text),
    });
  }

  start(): void {
    this.heartbeat.start();
    this.dialler.start();
  }

  // ---- Dialling ----------------------------------------------------------------------------------------

  addTarget(url: string, pinnedKey?: string): void {
    this.dialler.add(url, pinnedKey);
  }

  targetList(): DialTarget[] {
    return this.dialler.list();
  }

  /**
   * Dials a discovered node once, expecting the key `publicKey` (its id `nodeId`) at `url`; no retries. `failed`
   * is told when the dial ends without an established session.
   */
  dialOnce(url: string, publicKey: string, nodeId: string, failed?: () => void): void {
    if (this.stopped) failed?.();
    else if (!this.sessions.has(nodeId)) this.dialler.dialOnce(url, publicKey, nodeId, failed);
  }

  // ---- Session lifecycle -------------------------------------------------------------------------------

  /** Takes over an open socket (accepted or dialled): sends our HANDSHAKE and starts the handshake clock. */
  attach(
    socket: WebSocket,
    outbound: boolean,
    remoteAddress: string,
    dialTarget: DialTarget | null = null,
  ): PeerSession {
    const connection = new Connection(socket, outbound, remoteAddress, this.options.limits, (code, detail) =>
      this.refuse(session, code, detail),
    );
    const session = newSession(connection, this.handshake.greeting(), this.modules.clock.now(), dialTarget);
    this.sessions.add(session);
    if (this.stopped) {
      connection.close(null, 'shutting down');
      return session;
    }
    if (!outbound) {
      const verdict = this.admission.onSocket(this.sessions.all(), session);
      if (verdict.kind === 'refuse') {
        // Logged and finished at once, so refused sockets waiting to close do not count against the limit.
        this.refuse(session, verdict.code, verdict.detail);
        return session;
      }
      if (verdict.evict)
        this.refuse(verdict.evict, 'TM_ERR_TOO_MANY_PEERS', 'handshake pool full: oldest dropped');
    }
    socket.on('message', (data, isBinary) => {
      // Untrusted input must never take the process down: a throw here is our bug, and costs only this peer.
      try {
        this.router.onFrame(session, data as Buffer, isBinary);
      } catch (error) {
        this.modules.logger.error({ peer: sessionLabel(session), err: error }, 'failed to handle a frame');
        this.refuse(session, 'TM_ERR_INTERNAL', 'frame handling failed');
      }
    });
    socket.on('error', (error) => this.onSocketError(session, error));
    socket.once('close', (code, reason) => this.onSocketClose(session, code, reason.toString()));
    this.handshake.begin(session);
    return session;
  }

  private establish(session: PeerSession): void {
    const peer = session.peer!;
    this.handshake.end(session);
    // The handshake proved which node this endpoint is, even if this connection loses to a duplicate below:
    // its dialler must then wait while that node is connected the other way, not dial it again and again.
    if (session.dialTarget) {
      session.dialTarget.nodeId = peer.nodeId;
      session.dialTarget.failingSince = undefined;
    }
    const endpoint = session.dialTarget?.url ?? session.connection.remoteAddress;
    if (this.options.allowPeer?.(peer.nodeId, endpoint) === false) {
      this.refuse(session, 'TM_ERR_PEER_FILTERED', peer.nodeId.slice(0, 12));
      return;
    }
    // Before the duplicate and admission checks: a peer refused anyway must not close or evict anyone.
    if (this.modules.admits?.(peer.nodeId) === false) {
      this.refuse(session, 'TM_ERR_PEER_SCORE', 'refused for a while after a low score');
      return;
    }
    const loser = this.sessions.duplicateLoser(session);
    if (loser !== null) {
      this.refuse(loser, 'TM_ERR_DUPLICATE_CONNECTION', peer.nodeId.slice(0, 12));
      if (loser === session) return;
    }
    if (!session.connection.outbound) {
      const verdict = this.admission.onHandshaken(this.sessions.all(), session);
      if (verdict.kind === 'refuse') {
        this.refuse(session, verdict.code, verdict.detail);
        return;
      }
      if (verdict.evict) this.refuse(verdict.evict, 'TM_ERR_TOO_MANY_PEERS', 'slot given to a member');
    }
    this.sessions.establish(session, this.modules.clock.now());
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

  /** Closes a session for a reason that is the peer's fault (or a policy), logging it. */
  refuse(session: PeerSession, code: ErrorCode, detail?: string): void {
    if (session.state === 'closed') return;
    const level = isRoutineClose(code) ? 'debug' : 'warn';
    this.modules.logger[level]({ peer: sessionLabel(session), code, detail }, 'closing connection');
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
    const code = session.state === 'closed' ? null : framingFault(error.code);
    if (code === null) {
      this.modules.logger.debug({ peer: sessionLabel(session), err: error.message }, 'socket error');
      return;
    }
    this.modules.logger.warn(
      { peer: sessionLabel(session), code, wsError: error.code, detail: error.message },
      'closing connection',
    );
    this.close(session, code, error.message);
  }

  private onSocketClose(session: PeerSession, wsCode: number, reason: string): void {
    if (session.state === 'closed') return;
    const code = session.connection.closedWith ?? claimedCode(reason);
    session.connection.close(code);
    this.modules.logger.debug({ peer: sessionLabel(session), wsCode, reason }, 'socket closed');
    this.finish(session, code);
  }

  private finish(session: PeerSession, code: ErrorCode | null): void {
    const wasEstablished = session.state === 'established';
    session.state = 'closed';
    this.handshake.end(session);
    this.sessions.remove(session);
    if (wasEstablished) {
      // A duplicate dropped is routine (both ends dial at start); a close without a code is a plain shutdown.
      const peer = session.nodeId?.slice(0, 12);
      this.modules.logger[isRoutineClose(code) ? 'debug' : 'info'](
        code === null ? { peer } : { peer, code },
        'peer disconnected',
      );
      this.modules.onClosed(session, code);
    }
  }

  /** Follows a key rotation: the connection stays, its peer is now known by the new id. */
  rename(fromId: string, toId: string): void {
    const duplicate = this.sessions.rename(fromId, toId);
    if (duplicate !== null)
      this.refuse(duplicate, 'TM_ERR_DUPLICATE_CONNECTION', 'renamed onto an existing connection');
  }

  // ---- EngineOutput ------------------------------------------------------------------------------------

  /** The exact text an inbound message arrived in (undefined for messages made here). */
  arrivedAs(message: Message): string | undefined {
    return this.frames.get(message);
  }

  private frameOf(message: Message): string {
    return this.frames.get(message) ?? JSON.stringify(message);
  }

  send(peerId: string, message: Message): boolean {
    const session = this.sessions.get(peerId);
    if (session === undefined) return false;
    return session.connection.send(this.frameOf(message), MESSAGE_INFO[message.type].lane);
  }

  broadcast(message: Message, except?: ReadonlySet<string>): void {
    const frame = this.frameOf(message);
    const lane = MESSAGE_INFO[message.type].lane;
    for (const [nodeId, session] of this.sessions.entries()) {
      if (except?.has(nodeId) !== true) session.connection.send(frame, lane);
    }
  }

  isConnected(peerId: string): boolean {
    return this.sessions.has(peerId);
  }

  disconnect(peerId: string, code: ErrorCode): void {
    const session = this.sessions.get(peerId);
    if (session !== undefined) this.refuse(session, code);
  }

  // ---- Introspection and shutdown ----------------------------------------------------------------------

  /** Closes every established link the allowPeer filter refuses now (call it after the filter changed). */
  applyLinkFilter(): void {
    const allow = this.options.allowPeer;
    if (allow === undefined) return;
    for (const session of this.sessions.established()) {
      const endpoint = session.dialTarget?.url ?? session.connection.remoteAddress;
      if (!allow(session.nodeId!, endpoint)) this.refuse(session, 'TM_ERR_PEER_FILTERED');
    }
  }

  connectedIds(): string[] {
    return this.sessions.nodeIds();
  }

  session(peerId: string): PeerSession | undefined {
    return this.sessions.get(peerId);
  }

  summaries(): PeerSummary[] {
    return this.sessions.summaries();
  }

  /** Closes every connection (code 1001) and stops all timers; sockets finish closing in the background. */
  stop(): void {
    this.stopped = true;
    this.heartbeat.stop();
    this.dialler.stop();
    for (const session of this.sessions.all()) this.close(session, null, 'shutting down');
  }

  /** Sockets still open (for graceful shutdown to wait on). */
  openSockets(): WebSocket[] {
    return this.sessions.all().map((session) => session.connection.socket);
  }
}
