// The per-session handshake state machine: send our HANDSHAKE, answer theirs with a signed HANDSHAKE_ACK, verify
// their ACK of our nonce, all within the timeout. The checks themselves are pure (src/core/handshake.ts).
import type { Crypto } from '../../core/crypto.js';
import { createAck, createHandshake, handshakeProblem, verifyAck } from '../../core/handshake.js';
import type { Handshake, Message } from '../../core/messages/schemas.js';
import type { NodeRegistry } from '../../core/nodes/registry.js';
import type { Signer } from '../../core/signing.js';
import type { Entropy } from '../../core/time.js';
import type { PeerManagerOptions, PeerSession, RefuseSession } from './interface.js';

export interface HandshakeDeps {
  readonly options: Pick<PeerManagerOptions, 'network' | 'capabilities' | 'endpoints' | 'agent'>;
  readonly crypto: Crypto;
  readonly entropy: Entropy;
  readonly signer: () => Signer;
  readonly registry: () => NodeRegistry;
  /** This node's proof of work for its current key, when it is not a member (undefined otherwise). */
  readonly work: () => string | undefined;
  readonly refuse: RefuseSession;
  /** Both directions proved: the session may become established. */
  readonly complete: (session: PeerSession) => void;
}

export class HandshakeMachine {
  constructor(private readonly deps: HandshakeDeps) {}

  /** Our HANDSHAKE for a new connection, with a fresh nonce the peer must sign. */
  greeting(): Handshake {
    const { options } = this.deps;
    return createHandshake(
      this.deps.signer(),
      options.network.networkId,
      this.deps.entropy.nonce(),
      options.capabilities,
      options.endpoints,
      options.agent,
      this.deps.work(),
    );
  }

  /** Sends our HANDSHAKE and starts the clock: a peer that has not finished in time is refused. */
  begin(session: PeerSession): void {
    const { handshakeTimeoutMs } = this.deps.options.network.params;
    session.handshakeTimer = setTimeout(() => {
      if (session.state === 'handshaking')
        this.deps.refuse(session, 'TM_ERR_HANDSHAKE_TIMEOUT', `${handshakeTimeoutMs} ms`);
    }, handshakeTimeoutMs);
    session.connection.send(JSON.stringify(session.self), 'critical');
  }

  /** Stops the handshake clock (established or closed). */
  end(session: PeerSession): void {
    if (session.handshakeTimer) clearTimeout(session.handshakeTimer);
    session.handshakeTimer = null;
  }

  /** One decoded message on a session still handshaking; anything but the two handshake messages is refused. */
  onMessage(session: PeerSession, message: Message): void {
    const { crypto, refuse } = this.deps;
    const networkId = this.deps.options.network.networkId;
    if (message.type === 'HANDSHAKE') {
      if (session.peer !== null) {
        refuse(session, 'TM_ERR_HANDSHAKE_UNEXPECTED', 'second HANDSHAKE');
        return;
      }
      const problem = handshakeProblem(crypto, message, {
        networkId,
        selfId: this.deps.signer().nodeId,
        registry: this.deps.registry(),
        pinnedKey: session.dialTarget?.pinnedKey,
        workBits: this.deps.options.network.params.admissionWorkBits,
      });
      if (problem !== null) {
        refuse(session, problem, message.nodeId.slice(0, 12));
        return;
      }
      session.peer = message;
      session.connection.send(JSON.stringify(createAck(this.deps.signer(), networkId, message)), 'critical');
      session.ackSent = true;
    } else if (message.type === 'HANDSHAKE_ACK') {
      if (session.peer === null || session.ackVerified) {
        refuse(session, 'TM_ERR_HANDSHAKE_UNEXPECTED', 'HANDSHAKE_ACK before HANDSHAKE');
        return;
      }
      if (!verifyAck(crypto, networkId, message, session.peer, session.self)) {
        refuse(session, 'TM_ERR_SIG_INVALID', 'nonce signature does not verify');
        return;
      }
      session.ackVerified = true;
    } else {
      refuse(session, 'TM_ERR_NOT_HANDSHAKEN', message.type);
      return;
    }
    if (session.ackSent && session.ackVerified) this.deps.complete(session);
  }
}
