// Who may hold an inbound slot: members of the network file first, non-members within bounds (in all, per /24
// or /48), and sockets still handshaking in a small pool of their own, bounded per IP, never holding a slot.
import type { ErrorCode } from '../../core/errors.js';
import { hostKeyOf, subnetOf } from '../../core/routing/subnet.js';
import type { PeerSession } from './interface.js';

export interface AdmissionLimits {
  /** Authenticated inbound connections at most (members and non-members). */
  readonly maxInboundPeers: number;
  /** Of those, non-members at most: members can always get in while non-members hold slots. */
  readonly maxNonMemberInbound: number;
  /** Non-member inbound connections from one IPv4 /24 or IPv6 /48 at most. */
  readonly maxPerSubnet: number;
  /** Inbound sockets not yet handshaken at most; past it the oldest silent one is dropped to make room. */
  readonly maxPendingHandshakes: number;
  /** Of those, from one host at most (an IPv4 address, an IPv6 /64): past it that host's oldest silent one goes. */
  readonly maxPendingPerIp: number;
  /** Loopback addresses are exempt from the subnet bound (a devnet's nodes all share one). */
  readonly exemptLoopback: boolean;
}

export function defaultAdmission(maxInboundPeers: number): AdmissionLimits {
  return {
    maxInboundPeers,
    maxNonMemberInbound: Math.floor(maxInboundPeers / 2),
    maxPerSubnet: 4,
    maxPendingHandshakes: 64,
    maxPendingPerIp: 8,
    exemptLoopback: true,
  };
}

/** The IP of a "host:port" remote address, IPv4-mapped IPv6 unwrapped. */
export function ipOf(remoteAddress: string): string {
  const colon = remoteAddress.lastIndexOf(':');
  const ip = colon < 0 ? remoteAddress : remoteAddress.slice(0, colon);
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}

/** The /24 of an IPv4 address or the /48 of an IPv6 one (compressed forms expanded first), as a key. */
export function subnetKey(ip: string): string {
  return subnetOf(ip)?.key ?? ip;
}

/** The socket to drop from a full pool: an honest peer sends its HANDSHAKE within a round trip, so the oldest
 * that has said nothing yet goes first. */
function oldestWaiter(pending: readonly PeerSession[]): PeerSession {
  const silent = pending.filter((s) => s.peer === null);
  const pool = silent.length > 0 ? silent : pending;
  return pool.reduce((a, b) => (b.openedAt < a.openedAt ? b : a));
}

export type Admission =
  | { readonly kind: 'admit'; readonly evict?: PeerSession }
  | { readonly kind: 'refuse'; readonly code: ErrorCode; readonly detail: string };

/** Decisions over the sessions a peer manager holds; the caller closes what it is told to. */
export class AdmissionPolicy {
  constructor(
    private readonly limits: AdmissionLimits,
    private readonly isMember: (nodeId: string) => boolean,
    private readonly scoreOf: (nodeId: string) => number,
  ) {}

  /**
   * A new inbound socket. Refused outright only when every authenticated slot is held by a member (nobody
   * could be evicted for it); otherwise it waits in the handshake pool, evicting the oldest waiter when full.
   */
  onSocket(sessions: readonly PeerSession[], socket: PeerSession): Admission {
    const inbound = sessions.filter((s) => s !== socket && !s.connection.outbound && s.state !== 'closed');
    const established = inbound.filter((s) => s.state === 'established');
    if (established.length >= this.limits.maxInboundPeers && !established.some((s) => !this.member(s)))
      return {
        kind: 'refuse',
        code: 'TM_ERR_TOO_MANY_PEERS',
        detail: `limit ${this.limits.maxInboundPeers}`,
      };
    const pending = inbound.filter((s) => s.state === 'handshaking');
    // One host (an IPv4 address, an IPv6 /64) cannot fill the pool and push everyone else's handshakes out: it
    // makes room among its own.
    const ip = ipOf(socket.connection.remoteAddress);
    if (!this.exempt(ip)) {
      const host = hostKeyOf(ip);
      const sameHost = pending.filter((s) => hostKeyOf(ipOf(s.connection.remoteAddress)) === host);
      if (sameHost.length >= this.limits.maxPendingPerIp)
        return { kind: 'admit', evict: oldestWaiter(sameHost) };
    }
    if (pending.length < this.limits.maxPendingHandshakes) return { kind: 'admit' };
    return { kind: 'admit', evict: oldestWaiter(pending) };
  }

  /** An inbound session whose handshake just completed: may it take an authenticated slot? */
  onHandshaken(sessions: readonly PeerSession[], session: PeerSession): Admission {
    const { limits } = this;
    const established = sessions.filter(
      (s) => s !== session && !s.connection.outbound && s.state === 'established',
    );
    const nonMembers = established.filter((s) => !this.member(s));
    const full = established.length >= limits.maxInboundPeers;
    if (this.member(session)) {
      if (!full) return { kind: 'admit' };
      if (nonMembers.length === 0)
        return { kind: 'refuse', code: 'TM_ERR_TOO_MANY_PEERS', detail: `limit ${limits.maxInboundPeers}` };
      const lowest = nonMembers.reduce((a, b) => (this.scoreOf(b.nodeId!) < this.scoreOf(a.nodeId!) ? b : a));
      return { kind: 'admit', evict: lowest };
    }
    if (full || nonMembers.length >= limits.maxNonMemberInbound)
      return {
        kind: 'refuse',
        code: 'TM_ERR_TOO_MANY_PEERS',
        detail: `non-member limit ${limits.maxNonMemberInbound}`,
      };
    const ip = ipOf(session.connection.remoteAddress);
    if (this.exempt(ip)) return { kind: 'admit' };
    const subnet = subnetKey(ip);
    const neighbours = nonMembers.filter((s) => subnetKey(ipOf(s.connection.remoteAddress)) === subnet);
    if (neighbours.length >= limits.maxPerSubnet)
      return { kind: 'refuse', code: 'TM_ERR_TOO_MANY_PEERS', detail: `subnet limit ${limits.maxPerSubnet}` };
    return { kind: 'admit' };
  }

  private exempt(ip: string): boolean {
    return this.limits.exemptLoopback && subnetOf(ip)?.loopback === true;
  }

  private member(session: PeerSession): boolean {
    const id = session.nodeId ?? session.peer?.nodeId;
    return id !== undefined && this.isMember(id);
  }
}
