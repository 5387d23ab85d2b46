// Peer scores in the manner of gossipsub v1.1: counters that decay with time, combined into one number. Invalid
// messages cost quadratically, excess over a budget linearly, useful first deliveries earn up to a cap.

export interface PeerScoreParams {
  /** Per invalid message counted (squared), e.g. a bad signature: the peer's own fault. */
  readonly invalidWeight: number;
  /** Per message over a budget (a per-origin or per-connection rate limit). */
  readonly excessWeight: number;
  /** Per first delivery of a message this node then accepted. */
  readonly deliveryWeight: number;
  /** First deliveries counted at most, so a good past cannot buy an unlimited bad present. */
  readonly deliveryCap: number;
  /** Every counter halves over this long. */
  readonly halfLifeMs: number;
  /** Below this the peer is disconnected and refused for `graylistMs`. */
  readonly disconnectBelow: number;
  readonly graylistMs: number;
}

/**
 * A flood of 10,000 over-budget messages costs −10,000 and disconnects long before that (at −50, i.e. after
 * ~50 excess messages net of earned credit); one invalid message costs −10, five cost −250. A peer that relays
 * honestly earns at most +50, which absorbs the occasional over-budget burst of a busy mesh.
 */
export const DEFAULT_PEER_SCORE: PeerScoreParams = {
  invalidWeight: -10,
  excessWeight: -1,
  deliveryWeight: 0.5,
  deliveryCap: 100,
  halfLifeMs: 60_000,
  disconnectBelow: -50,
  graylistMs: 60_000,
};

interface Counters {
  invalid: number;
  excess: number;
  deliveries: number;
  at: number;
}

/** Peers tracked at most; the least recently seen are forgotten first. */
const CAPACITY = 10_000;

export class PeerScores {
  private readonly counters = new Map<string, Counters>();
  private readonly graylisted = new Map<string, number>();

  constructor(readonly params: PeerScoreParams = DEFAULT_PEER_SCORE) {}

  invalid(peer: string, now: number): void {
    this.decayed(peer, now).invalid++;
  }

  excess(peer: string, now: number, count = 1): void {
    this.decayed(peer, now).excess += count;
  }

  delivered(peer: string, now: number): void {
    this.decayed(peer, now).deliveries++;
  }

  score(peer: string, now: number): number {
    const c = this.counters.get(peer);
    if (c === undefined) return 0;
    const { invalidWeight, excessWeight, deliveryWeight, deliveryCap } = this.params;
    const d = this.decayed(peer, now);
    return (
      invalidWeight * d.invalid * d.invalid +
      excessWeight * d.excess +
      deliveryWeight * Math.min(deliveryCap, d.deliveries)
    );
  }

  /** True when the peer's score fell below the threshold: it should be dropped (and is graylisted now). */
  shouldDrop(peer: string, now: number): boolean {
    if (this.score(peer, now) >= this.params.disconnectBelow) return false;
    this.graylisted.set(peer, now + this.params.graylistMs);
    return true;
  }

  isGraylisted(peer: string, now: number): boolean {
    const until = this.graylisted.get(peer);
    if (until === undefined) return false;
    if (until > now) return true;
    this.graylisted.delete(peer);
    // Back after its time out: it starts again from a clean score.
    this.counters.delete(peer);
    return false;
  }

  private decayed(peer: string, now: number): Counters {
    let c = this.counters.get(peer);
    if (c === undefined) {
      c = { invalid: 0, excess: 0, deliveries: 0, at: now };
      if (this.counters.size >= CAPACITY) this.counters.delete(this.counters.keys().next().value!);
    } else {
      const factor = 0.5 ** (Math.max(0, now - c.at) / this.params.halfLifeMs);
      c.invalid *= factor;
      c.excess *= factor;
      c.deliveries *= factor;
      c.at = now;
      this.counters.delete(peer);
    }
    this.counters.set(peer, c);
    return c;
  }
}
