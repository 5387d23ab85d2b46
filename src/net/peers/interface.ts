// What net/peers owns: every connection to a peer from open to close — dialling endpoints, the handshake, one
// session per node id (duplicates, rotation, heartbeat) — and the engine's output addressed by node id.
//
// Layout: `peer-manager.ts` wires the rooms below and is the only class others construct.
//   dialler.ts      targets, backoff, dial warnings, redial rules
//   handshake.ts    the per-session HANDSHAKE / HANDSHAKE_ACK state machine and its timeout
//   sessions.ts     established sessions by node id, duplicate resolution, rename on rotation, summaries
//   heartbeat.ts    PING every interval, PONG round trips, silent peers dropped
//   frames.ts       one text frame in: binary check, the node's frame filter, decode, routing
//   close-codes.ts  which close codes a peer may claim, and ws framing faults as our codes
// Discovery (Kademlia) lives in net/kad and dials through dialOnce(); per-peer rate limiting belongs here next.
import type { ClientOptions } from 'ws';
import type { Crypto } from '../../core/crypto.js';
import type { ErrorCode } from '../../core/errors.js';
import type { Handshake, Message } from '../../core/messages/schemas.js';
import type { Network } from '../../core/network.js';
import type { NodeRegistry } from '../../core/nodes/registry.js';
import type { Failure } from '../../core/outcome.js';
import type { Signer } from '../../core/signing.js';
import type { Clock, Entropy } from '../../core/time.js';
import type { Logger } from '../../log.js';
import type { Connection } from '../transport/connection.js';
import type { BackoffOptions, ConnectionLimits, DialTarget } from '../transport/interface.js';
import type { AdmissionLimits } from './admission.js';

export type PeerState = 'handshaking' | 'established' | 'closed';

/** One connection and what the handshake learned about the node behind it. */
export interface PeerSession {
  readonly connection: Connection;
  /** The HANDSHAKE this node sent on this connection (its nonce is what the peer must sign). */
  readonly self: Handshake;
  readonly openedAt: number;
  state: PeerState;
  peer: Handshake | null;
  /** Set once established; follows the peer's key rotations. */
  nodeId: string | null;
  ackSent: boolean;
  ackVerified: boolean;
  lastReceived: number;
  rttMs: number | null;
  establishedAt: number | null;
  dialTarget: DialTarget | null;
  handshakeTimer: NodeJS.Timeout | null;
  /** Messages (and their bytes) waiting in the inbound scheduler, for read backpressure. */
  inboundQueued: number;
  inboundBytes: number;
}

/** An established peer as the API and `status` show it. */
export interface PeerSummary {
  nodeId: string;
  direction: 'inbound' | 'outbound';
  address: string;
  endpoints: string[];
  capabilities: string[];
  connectedAt: string;
  rttMs: number | null;
  queuedFrames: number;
  framesSent: number;
  framesReceived: number;
}

export interface PeerManagerOptions {
  readonly network: Network;
  readonly capabilities: readonly string[];
  readonly endpoints: readonly string[];
  readonly agent: string;
  readonly maxInboundPeers: number;
  readonly limits: ConnectionLimits;
  readonly backoff: BackoffOptions;
  /** Extra TLS options for outbound wss:// (a private CA, for example). */
  readonly tlsClient?: Pick<ClientOptions, 'ca' | 'rejectUnauthorized'>;
  /** Inbound admission bounds beyond maxInboundPeers (see admission.ts for the defaults). */
  readonly admission?: Partial<AdmissionLimits>;
  /**
   * Link filter: false refuses a link to that node or endpoint — checked before dialling (nodeId null while
   * unknown) and once the handshake proved the node. Tests and the simulator cut partitions with it.
   */
  readonly allowPeer?: (nodeId: string | null, endpoint: string) => boolean;
}

export interface PeerManagerModules {
  readonly crypto: Crypto;
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly random: () => number;
  readonly logger: Logger;
  /** The current key (it changes on rotation) and the registry's view of who is blacklisted or rotated. */
  readonly signer: () => Signer;
  readonly registry: () => NodeRegistry;
  readonly onEstablished: (session: PeerSession) => void;
  readonly onClosed: (session: PeerSession, code: ErrorCode | null) => void;
  /**
   * A message from an established peer, with the size of the frame it arrived in. False when it was dropped at
   * once (nothing will forward it), so its frame's text is not kept.
   */
  readonly onMessage: (session: PeerSession, message: Message, bytes: number) => boolean;
  readonly onFrameRefused?: (session: PeerSession, failure: Failure) => void;
  /**
   * Sees each text frame of an established session before it is parsed; true drops it unparsed (counted in
   * `connection.stats.duplicateFrames`). For byte-identical duplicates: the frame is still unvalidated input.
   */
  readonly frameFilter?: (text: string, session: PeerSession) => boolean;
  /**
   * Spends an established peer's connection budget (net/link-budget.ts): for every text frame before anything
   * else (`message` null), and for the PING or PONG it decoded to, which the router answers itself. False drops
   * the frame unhandled; the hook does the accounting (peer score, metrics).
   */
  readonly admitFrame?: (session: PeerSession, message: Message | null, bytes: number) => boolean;
  /** False for a node refused for now (dropped for its score): its handshake is refused before anything else. */
  readonly admits?: (nodeId: string) => boolean;
  /** A connected peer's score: when a member needs a full node's slot, the lowest-scored non-member leaves. */
  readonly scoreOf?: (nodeId: string) => number;
  /** This node's proof of work for its current key (core/admission/work.ts), sent in every HANDSHAKE. */
  readonly work?: () => string | undefined;
}

/** Closes a session for a reason that is the peer's fault (or a policy), logging it. */
export type RefuseSession = (session: PeerSession, code: ErrorCode, detail?: string) => void;
