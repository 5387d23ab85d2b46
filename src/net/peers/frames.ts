// One text frame in from a session: counted, binary refused, the connection's frame budget and the node's frame
// filter (established sessions), decoded, then routed — to the handshake, to the heartbeat, or to the node.
import { decodeFrame } from '../../core/messages/decode.js';
import type { Message } from '../../core/messages/schemas.js';
import type { Clock } from '../../core/time.js';
import type { Logger } from '../../log.js';
import type { HandshakeMachine } from './handshake.js';
import type { Heartbeat } from './heartbeat.js';
import type { PeerManagerModules, PeerManagerOptions, PeerSession, RefuseSession } from './interface.js';
import { sessionLabel } from './sessions.js';

export interface FrameRouterDeps {
  readonly options: Pick<PeerManagerOptions, 'network'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly refuse: RefuseSession;
  readonly handshake: HandshakeMachine;
  readonly heartbeat: Heartbeat;
  readonly hooks: Pick<PeerManagerModules, 'onMessage' | 'onFrameRefused' | 'frameFilter' | 'admitFrame'>;
  /** Keeps the exact text a message arrived in, so forwarding re-sends it instead of re-serialising. */
  readonly remember: (message: Message, text: string) => void;
}

export class FrameRouter {
  constructor(private readonly deps: FrameRouterDeps) {}

  onFrame(session: PeerSession, data: Buffer, isBinary: boolean): void {
    if (session.state === 'closed') return;
    const { deps } = this;
    session.lastReceived = deps.clock.now();
    const { connection } = session;
    connection.stats.framesReceived++;
    connection.stats.bytesReceived += data.length;
    if (isBinary) {
      deps.refuse(session, 'TM_ERR_FRAME_BINARY');
      return;
    }
    const established = session.state === 'established';
    // Every frame costs its sender budget, whatever it turns out to be: a flood of unknown types, duplicates or
    // PINGs is work too (decoding, hashing, answering), and none of it reaches the engine's per-origin budgets.
    if (established && deps.hooks.admitFrame?.(session, null, data.length) === false) return;
    const text = data.toString('utf8');
    if (established && deps.hooks.frameFilter?.(text, session) === true) {
      connection.stats.duplicateFrames++;
      return;
    }
    const decoded = decodeFrame(text, deps.options.network.params.maxFrameBytes);
    if (decoded.kind !== 'accept') {
      deps.hooks.onFrameRefused?.(session, decoded);
      if (decoded.kind === 'reject') deps.refuse(session, decoded.code, decoded.detail);
      else
        deps.logger.debug(
          { peer: sessionLabel(session), code: decoded.code, detail: decoded.detail },
          'frame ignored',
        );
      return;
    }
    const message = decoded.value;
    if (session.state === 'handshaking') {
      deps.handshake.onMessage(session, message);
      return;
    }
    switch (message.type) {
      case 'PING':
        if (deps.hooks.admitFrame?.(session, message, data.length) === false) return;
        deps.heartbeat.answer(session, message);
        return;
      case 'PONG':
        if (deps.hooks.admitFrame?.(session, message, data.length) === false) return;
        deps.heartbeat.noteRoundTrip(session, message);
        return;
      case 'HANDSHAKE':
      case 'HANDSHAKE_ACK':
        deps.refuse(session, 'TM_ERR_HANDSHAKE_UNEXPECTED', 'handshake already complete');
        return;
      default:
        // After: the message is handled in a later turn, and most of a flood is dropped at once (never kept).
        if (deps.hooks.onMessage(session, message, data.length)) deps.remember(message, text);
    }
  }
}
