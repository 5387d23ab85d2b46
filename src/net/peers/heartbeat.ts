// Liveness of established peers: a PING to each one silent for an interval, PONGs timed as round trips, and a
// peer silent for `heartbeatMissLimit` intervals dropped. Any frame counts as a sign of life, not only a PONG.
import type { Ping, Pong } from '../../core/messages/schemas.js';
import { type Clock, isoTimestamp } from '../../core/time.js';
import type { PeerManagerOptions, PeerSession, RefuseSession } from './interface.js';

export interface HeartbeatDeps {
  readonly options: Pick<PeerManagerOptions, 'network'>;
  readonly clock: Clock;
  readonly established: () => PeerSession[];
  readonly refuse: RefuseSession;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: HeartbeatDeps) {}

  start(): void {
    this.timer = setInterval(() => this.beat(), this.deps.options.network.params.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Pings every peer not heard from for half an interval — a peer that sent anything since is alive, and a PING
   * would only cost two frames — and, so that its round-trip time stays current, any peer not pinged for
   * `heartbeatMissLimit` intervals; drops those silent for `heartbeatMissLimit` intervals.
   */
  private beat(): void {
    const now = this.deps.clock.now();
    const { heartbeatMs, heartbeatMissLimit } = this.deps.options.network.params;
    const ping = JSON.stringify({ type: 'PING', timestamp: isoTimestamp(now) });
    for (const session of this.deps.established()) {
      const silentMs = now - session.lastReceived;
      const sincePing = now - (this.lastPing.get(session) ?? Number.NEGATIVE_INFINITY);
      if (silentMs > heartbeatMs * heartbeatMissLimit) {
        this.deps.refuse(session, 'TM_ERR_PEER_TIMEOUT', `silent for ${silentMs} ms`);
      } else if (silentMs >= heartbeatMs / 2 || sincePing >= heartbeatMs * heartbeatMissLimit) {
        this.lastPing.set(session, now);
        session.connection.send(ping, 'critical');
      }
    }
  }

  /** When each session was last pinged. */
  private readonly lastPing = new WeakMap<PeerSession, number>();

  /** Answers a PING in place, echoing its timestamp so the peer can time the round trip. */
  answer(session: PeerSession, ping: Ping): void {
    session.connection.send(JSON.stringify({ type: 'PONG', timestamp: ping.timestamp }), 'critical');
  }

  /** A PONG echoes the timestamp of our PING: the round trip, by our own clock. */
  noteRoundTrip(session: PeerSession, pong: Pong): void {
    const sent = Date.parse(pong.timestamp);
    if (!Number.isNaN(sent)) session.rttMs = Math.max(0, this.deps.clock.now() - sent);
  }
}
