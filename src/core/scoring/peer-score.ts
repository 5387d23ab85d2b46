// Peer scores in the manner of gossipsub v1.1: counters that decay with time, combined into one number. Invalid
// messages cost quadratically, excess over a budget linearly, useful first deliveries earn up to a cap, and peers
// crowding one IP address pay a colocation penalty (gossipsub's P6), quadratic in how many they are beyond a few.
import { subnetOf } from '../routing/subnet.js';
import { RecentMap } from './recent-map.js';

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
  /** Per connected peer on one IP beyond `colocationThreshold`, squared, charged to each of them (P6). */
  readonly colocationWeight: number;
  /** Connected peers sharing one IP address that cost nothing (a small NAT, one host running a few nodes). */
  readonly colocationThreshold: number;
  /** Loopback peers are not counted (a devnet runs every node on 127.0.0.1); tests switch it off. */
  readonly colocationExemptLoopback: boolean;
}

/**
 * A flood of 10,000 over-budget messages costs −10,000 and disconnects long before that (at −50, i.e. after
 * ~50 excess messages net of earned credit); one invalid message costs −10, five cost −250. A peer that relays
 * honestly earns at most +50, which absorbs the occasional over-budget burst of a busy mesh. Colocation: up to 3
 * peers on one IP cost nothing; a 4th puts each of them at −10, a 5th at −40, a 6th at −90 — below the threshold,
 * so such a crowd is the first evicted for a member's slot and is dropped at its first other misstep.
 */
export const DEFAULT_PEER_SCORE: PeerScoreParams = {
  invalidWeight: -10,
  excessWeight: -1,
  deliveryWeight: 0.5,
  deliveryCap: 100,
  halfLifeMs: 60_000,
  disconnectBelow: -50,
  graylistMs: 60_000,
  colocationWeight: -10,
  colocationThreshold: 3,
  colocationExemptLoopback: true,
};

interface Counters {
  invalid: number;
  excess: number;
  deliveries: number;
  at: number;
}

/** Peers tracked at most; past it those not seen lately are forgotten. */
export const PEERS_TRACKED = 10_000;

export class PeerScores {
  private readonly counters = new RecentMap<Counters>(PEERS_TRACKED);
  /**
   * Peers dropped for their score: until when each is refused, and the score it was dropped with. Kept in the
   * order they were dropped, which with one graylist time is the order they expire in, so the expired are
   * pruned from the front when one is added; fresh identities are cheap, so it is also held to PEERS_TRACKED.
   */
  private readonly graylisted = new Map<string, { until: number; score: number }>();
  /** Connected peers by IP, and each connected peer's IP: only live connections crowd an address. */
  private readonly peersByIp = new Map<string, Set<string>>();
  private readonly ipOfPeer = new Map<string, string>();

  constructor(readonly params: PeerScoreParams = DEFAULT_PEER_SCORE) {}

  /** A connection to `peer` from or to `ip` is established (its one session: a second replaces the first). */
  connected(peer: string, ip: string): void {
    this.disconnected(peer);
    if (this.params.colocationExemptLoopback && subnetOf(ip)?.loopback === true) return;
    const key = ip.toLowerCase();
    let peers = this.peersByIp.get(key);
    if (peers === undefined) {
      peers = new Set();
      this.peersByIp.set(key, peers);
    }
    peers.add(peer);
    this.ipOfPeer.set(peer, key);
  }

  disconnected(peer: string): void {
    const ip = this.ipOfPeer.get(peer);
    if (ip === undefined) return;
    this.ipOfPeer.delete(peer);
    const peers = this.peersByIp.get(ip)!;
    peers.delete(peer);
    if (peers.size === 0) this.peersByIp.delete(ip);
  }

  renamed(fromId: string, toId: string): void {
    const ip = this.ipOfPeer.get(fromId);
    if (ip === undefined) return;
    this.disconnected(fromId);
    this.disconnected(toId);
    this.peersByIp.set(ip, (this.peersByIp.get(ip) ?? new Set()).add(toId));
    this.ipOfPeer.set(toId, ip);
  }

  /** The colocation part of the score (0 or less): P6 = weight × surplus², surplus = peers on the IP − threshold. */
  colocation(peer: string): number {
    const ip = this.ipOfPeer.get(peer);
    if (ip === undefined) return 0;
    const surplus = this.peersByIp.get(ip)!.size - this.params.colocationThreshold;
    return surplus > 0 ? this.params.colocationWeight * surplus * surplus : 0;
  }

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
    const colocation = this.colocation(peer);
    if (this.counters.peek(peer) === undefined) return colocation;
    const { invalidWeight, excessWeight, deliveryWeight, deliveryCap } = this.params;
    const d = this.decayed(peer, now);
    return (
      colocation +
      invalidWeight * d.invalid * d.invalid +
      excessWeight * d.excess +
      deliveryWeight * Math.min(deliveryCap, d.deliveries)
    );
  }

  /** True when the peer's score fell below the threshold: it should be dropped (and is graylisted now). */
  shouldDrop(peer: string, now: number): boolean {
    const score = this.score(peer, now);
    if (score >= this.params.disconnectBelow) return false;
    this.graylist(peer, now, score);
    return true;
  }

  /** Peers refused now or expired but not yet pruned; at most PEERS_TRACKED. */
  get graylistSize(): number {
    return this.graylisted.size;
  }

  /** The score a graylisted peer was dropped with (scores decay, so a later read is higher); null if none. */
  scoreWhenDropped(peer: string): number | null {
    return this.graylisted.get(peer)?.score ?? null;
  }

  isGraylisted(peer: string, now: number): boolean {
    const until = this.graylisted.get(peer)?.until;
    if (until === undefined) return false;
    if (until > now) return true;
    this.expire(peer);
    return false;
  }

  private graylist(peer: string, now: number, score: number): void {
    // Deleted first so that a peer dropped again moves to the back, keeping the order of expiry.
    this.graylisted.delete(peer);
    for (const [oldest, { until }] of this.graylisted) {
      if (until > now && this.graylisted.size < PEERS_TRACKED) break;
      // One still refused, evicted for room, keeps its counters: it is not given a clean score early.
      if (until > now) this.graylisted.delete(oldest);
      else this.expire(oldest);
    }
    this.graylisted.set(peer, { until: now + this.params.graylistMs, score });
  }

  private expire(peer: string): void {
    this.graylisted.delete(peer);
    // Back after its time out: it starts again from a clean score.
    this.counters.delete(peer);
  }

  private decayed(peer: string, now: number): Counters {
    let c = this.counters.get(peer);
    if (c === undefined) {
      c = { invalid: 0, excess: 0, deliveries: 0, at: now };
      this.counters.set(peer, c);
    } else {
      const factor = 0.5 ** (Math.max(0, now - c.at) / this.params.halfLifeMs);
      c.invalid *= factor;
      c.excess *= factor;
      c.deliveries *= factor;
      c.at = now;
    }
    return c;
  }
}
