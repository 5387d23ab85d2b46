// Every open session, and the established ones by node id: at most one per node (duplicate resolution both ends
// agree on without talking), renamed when the peer rotates its key, and summarised for the API.
import type { Handshake } from '../../core/messages/schemas.js';
import { isoTimestamp } from '../../core/time.js';
import type { Connection } from '../transport/connection.js';
import type { DialTarget } from '../transport/interface.js';
import type { PeerSession, PeerSummary } from './interface.js';

/** A fresh session for a connection that has just opened; the handshake has not begun. */
export function newSession(
  connection: Connection,
  self: Handshake,
  now: number,
  dialTarget: DialTarget | null,
): PeerSession {
  return {
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
}

/** How a session is named in logs: its node id once known, its address before. */
export function sessionLabel(session: PeerSession): string {
  return (
    session.nodeId?.slice(0, 12) ?? session.peer?.nodeId.slice(0, 12) ?? session.connection.remoteAddress
  );
}

export class SessionTable {
  private readonly open = new Set<PeerSession>();
  private readonly byNode = new Map<string, PeerSession>();

  /** `selfId` is read each time: this node's id changes when it rotates its key. */
  constructor(private readonly selfId: () => string) {}

  add(session: PeerSession): void {
    this.open.add(session);
  }

  /** Forgets a closed session (and its node id, unless another session holds it now). */
  remove(session: PeerSession): void {
    this.open.delete(session);
    if (session.nodeId !== null && this.byNode.get(session.nodeId) === session)
      this.byNode.delete(session.nodeId);
  }

  /** Every session not yet removed, handshaking or established. */
  all(): PeerSession[] {
    return [...this.open];
  }

  established(): PeerSession[] {
    return [...this.byNode.values()];
  }

  entries(): IterableIterator<[string, PeerSession]> {
    return this.byNode.entries();
  }

  get(nodeId: string): PeerSession | undefined {
    return this.byNode.get(nodeId);
  }

  has(nodeId: string): boolean {
    return this.byNode.has(nodeId);
  }

  nodeIds(): string[] {
    return [...this.byNode.keys()];
  }

  inboundCount(): number {
    let count = 0;
    for (const session of this.open) if (!session.connection.outbound && session.state !== 'closed') count++;
    return count;
  }

  /**
   * When `session` (handshake complete) duplicates one already established with the same node, the one of the
   * two that must close; null when there is no duplicate.
   */
  duplicateLoser(session: PeerSession): PeerSession | null {
    const existing = this.byNode.get(session.peer!.nodeId);
    if (existing === undefined || existing === session) return null;
    return this.preferred(existing, session) === existing ? session : existing;
  }

  /** Makes a session with a completed handshake the one for its node. */
  establish(session: PeerSession, now: number): void {
    const nodeId = session.peer!.nodeId;
    session.state = 'established';
    session.nodeId = nodeId;
    session.establishedAt = now;
    this.byNode.set(nodeId, session);
  }

  /**
   * Of two connections to one node, both ends must keep the same one without talking about it: keep the one
   * dialled by the smaller node id; if one node dialled both, the one whose dialler's nonce is larger.
   */
  private preferred(a: PeerSession, b: PeerSession): PeerSession {
    const selfId = this.selfId();
    const dialler = (s: PeerSession) => (s.connection.outbound ? selfId : s.peer!.nodeId);
    const diallerNonce = (s: PeerSession) => (s.connection.outbound ? s.self.nonce : s.peer!.nonce);
    if (dialler(a) !== dialler(b)) return dialler(a) < dialler(b) ? a : b;
    return diallerNonce(a) > diallerNonce(b) ? a : b;
  }

  /**
   * Follows a key rotation: the session is now known by the new id. When the peer is connected under the new id
   * already (it dialled us after rotating), that one is kept and the renamed one is returned, to be closed.
   */
  rename(fromId: string, toId: string): PeerSession | null {
    const session = this.byNode.get(fromId);
    if (session === undefined) return null;
    this.byNode.delete(fromId);
    if (this.byNode.has(toId)) return session;
    session.nodeId = toId;
    this.byNode.set(toId, session);
    return null;
  }

  summaries(): PeerSummary[] {
    return this.established().map((session) => ({
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
}
