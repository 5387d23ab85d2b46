// What net/kad owns: Kademlia discovery over the mesh connections — FIND_NODE out and NODES back through the
// request tracker, lookups that fill the routing table, outbound slots kept full and diverse, known peers stored.
//
// Layout: `discovery.ts` drives the pure core/routing objects from sockets and timers; `dials.ts` its dials under
// way, one per node, each with a deadline; `candidates.ts` the nodes heard of but not reached (from NODES,
// announces, inbound handshakes, the store) with who vouched for them.
import type { Crypto } from '../../core/crypto.js';
import type { Message } from '../../core/messages/schemas.js';
import type { RoutingOptions } from '../../core/routing/routing-table.js';
import type { Clock } from '../../core/time.js';
import type { Logger } from '../../log.js';
import type { StoredPeer } from '../../store/interface.js';
import type { PeerSession } from '../peers/interface.js';
import type { TimerScheduler } from '../reqresp/interface.js';

export interface DiscoveryOptions extends RoutingOptions {
  /** Off: no lookups, no discovered dials, FIND_NODE still answered. */
  readonly enabled: boolean;
  /** Outbound connections wanted, configured peers included. */
  readonly targetOutbound: number;
  /** Outbound connections into one IPv4 /24 or IPv6 /48 at most (loopback exempt by `exemptLoopback`). */
  readonly maxOutboundPerSubnet: number;
  /** Lookup queries in flight at once. */
  readonly alpha: number;
  /** Candidates of one subnet one lookup takes from answers at most. */
  readonly lookupMaxPerSubnet: number;
  /** How often slots are refilled, excess let go and due buckets refreshed. */
  readonly tickMs: number;
  /** How long a FIND_NODE may wait for its NODES. */
  readonly requestTimeoutMs: number;
  /** How long a dial for a lookup or a ping may take to reach an established session. */
  readonly connectTimeoutMs: number;
  /** Stored peers read at start. */
  readonly storedPeers: number;
}

export const DEFAULT_DISCOVERY: DiscoveryOptions = {
  enabled: true,
  k: 20,
  maxPerSubnet: 2,
  exemptLoopback: true,
  refreshIntervalMs: 15 * 60_000,
  targetOutbound: 8,
  maxOutboundPerSubnet: 2,
  alpha: 3,
  lookupMaxPerSubnet: 10,
  tickMs: 1_000,
  requestTimeoutMs: 3_000,
  connectTimeoutMs: 8_000,
  storedPeers: 256,
};

/** What discovery needs of the peer manager. */
export interface DiscoveryPeers {
  dialOnce(url: string, publicKey: string, nodeId: string, failed?: () => void): void;
  send(peerId: string, message: Message): boolean;
  isConnected(peerId: string): boolean;
  session(peerId: string): PeerSession | undefined;
  connectedIds(): string[];
  disconnect(peerId: string, code: 'TM_ERR_PEER_NOT_NEEDED'): void;
}

/** Where known peers are kept across restarts (the node's database). */
export interface PeerStore {
  savePeer(peer: StoredPeer): void;
  loadPeers(limit: number): StoredPeer[];
  forgetPeer(nodeId: string): void;
}

export interface DiscoveryModules {
  readonly crypto: Crypto;
  readonly clock: Clock;
  /** 32 fresh random bytes: lookup targets inside a bucket's range. */
  readonly randomBytes: () => Uint8Array;
  readonly logger: Logger;
  readonly peers: DiscoveryPeers;
  readonly store: PeerStore;
  readonly scheduler?: TimerScheduler;
  /** Told after each lookup: hops taken and nodes asked. */
  readonly onLookup?: (hops: number, asked: number) => void;
}

/** What GET /v1/peers and `routingTable()` show. */
export interface RoutingSnapshot {
  readonly selfId: string;
  readonly size: number;
  readonly buckets: ReadonlyArray<{ readonly index: number; readonly size: number }>;
  readonly candidates: number;
  readonly lookups: number;
}
