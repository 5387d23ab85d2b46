// Liveness of established peers: the dialling side PINGs a silent link, PONGs are timed as round trips, and a
// peer silent for `heartbeatMissLimit` intervals is dropped. Any frame counts as a sign of life, not only a PONG.
import type { Ping, Pong } from '../../core/messages/schemas.js';
import { type Clock, isoTimestamp } from '../../core/time.js';
import type { PeerManagerOptions, PeerSession, RefuseSession } from './interface.js';

/** Intervals after which a peer is pinged however busy the link, to measure its round trip again. */
const RTT_REFRESH_INTERVALS = 10;

/** Intervals of silence after which the accepting side pings: 1.5, or less when peers are dropped sooner. */
const acceptorQuiet = (missLimit: number) => Math.max(0.5, Math.min(1.5, missLimit - 1));

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
   * One side of a link keeps it alive, so that an idle link costs one PING and one PONG an interval, not two of
   * each: the side that dialled pings it once it has heard nothing for half an interval (a peer that sent anything
   * since is alive); the side that accepted it pings only once it has heard nothing for an interval and a half
   * (the dialler's PING is overdue: it may be another implementation that never pings; less when
   * `heartbeatMissLimit` is below 3). Either side also pings a peer it has not pinged for RTT_REFRESH_INTERVALS
   * (and on its first beat), so that its round-trip time stays current. Peers silent for `heartbeatMissLimit`
   * intervals are dropped.
   */
  private beat(): void {
    const now = this.deps.clock.now();
    const { heartbeatMs, heartbeatMissLimit } = this.deps.options.network.params;
    const ping = JSON.stringify({ type: 'PING', timestamp: isoTimestamp(now) });
    for (const session of this.deps.established()) {
      const silentMs = now - session.lastReceived;
      const sincePing = now - (this.lastPing.get(session) ?? Number.NEGATIVE_INFINITY);
      const quietMs = heartbeatMs * (session.connection.outbound ? 0.5 : acceptorQuiet(heartbeatMissLimit));
      if (silentMs > heartbeatMs * heartbeatMissLimit) {
        this.deps.refuse(session, 'TM_ERR_PEER_TIMEOUT', `silent for ${silentMs} ms`);
      } else if (silentMs >= quietMs || sincePing >= heartbeatMs * RTT_REFRESH_INTERVALS) {
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
