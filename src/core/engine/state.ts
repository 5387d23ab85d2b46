// What the engine's parts share: injected modules, the node's key, caches and counters, and message builders.
// Plain data plus small helpers, so the gossip, voting and critical-event parts stay separate files.
import type { CommitContext } from '../consensus/commit.js';
import { ProposalBook } from '../consensus/proposals.js';
import { TimeCache } from '../gossip/time-cache.js';
import { DEFAULT_TREE, GossipTree } from '../gossip/tree.js';
import { PROTOCOL_VERSION } from '../messages/fields.js';
import type { KeyRotation, Message, PeerAnnounce, TrustUpdate, Vote } from '../messages/schemas.js';
import { AnnounceBook } from '../nodes/announce-book.js';
import { NodeRegistry } from '../nodes/registry.js';
import type { Failure } from '../outcome.js';
import { TokenBuckets } from '../scoring/token-bucket.js';
import {
  type SignedMessage,
  type Signer,
  signatureOf,
  signMessage,
  type UnsignedMessage,
} from '../signing.js';
import { isoTimestamp } from '../time.js';
import { MessageVerifier } from '../verifier.js';
import type { EngineModules, EngineOptions, EngineStats } from './types.js';

/** Seen message ids held at most (each ~150 bytes). */
const SEEN_CAPACITY = 200_000;
/** Votes in flight remembered with their next hop, at most. */
const VOTE_HOPS_CAPACITY = 20_000;
/** Recent members' messages kept whole for equivocation evidence. */
const RECENT_CAPACITY = 4_096;

export interface EngineState {
  readonly options: EngineOptions;
  readonly modules: EngineModules;
  readonly networkId: string;
  readonly registry: NodeRegistry;
  readonly verifier: MessageVerifier;
  readonly announces: AnnounceBook;
  readonly proposals: ProposalBook;
  readonly stats: EngineStats;
  /** Message ids (with signature) already handled: duplicates stop here, before any signature check. */
  readonly seen: TimeCache<true>;
  /** Which neighbours get gossip eagerly, and the lazy repair of what the tree missed. */
  readonly tree: GossipTree<SignedMessage>;
  /** Per proposal relayed here (`origin:id`): the neighbour it first came from, where its votes go back. */
  readonly routes: TimeCache<string>;
  /** Recent signed messages of members by (signer, type, id): a signer saying two things is caught here. */
  readonly recent: TimeCache<SignedMessage>;
  /**
   * Votes this node sent one hop toward their proposer, by vote key, with that hop: if the link closes before the
   * proposal settles, the vote is sent again by another way (it may have been lost in flight).
   */
  readonly voteHops: TimeCache<{ readonly via: string; readonly vote: Vote }>;
  /** This node's own votes by proposal (`origin:id`): asked again, it answers with the very same vote. */
  readonly ownVotes: TimeCache<Vote>;
  /** Per-origin budgets for what an origin sends into the mesh (proposals, critical events, announces). */
  readonly rates: OriginRates;
  signer: Signer;
  ownAnnounce: PeerAnnounce | null;
  lastAnnounceAt: number;
  /** The rotation that made this node's current id, re-sent to each new peer: it may not have heard of it. */
  ownRotation: KeyRotation | null;
  /** The node is catching up (sync): it casts no votes and answers no QUERY until it has caught up. */
  catchingUp: boolean;
  /** Proposals seen while catching up, voted on (if still fresh) once caught up; bounded. */
  readonly deferredVotes: Array<{ update: TrustUpdate; digest: string; from: string | null }>;
}

/** Token buckets by origin node id: spent only by messages whose signature checked out, so none can be forged. */
export interface OriginRates {
  readonly proposals: TokenBuckets;
  readonly critical: TokenBuckets;
  readonly announces: TokenBuckets;
}

/** Announces one node may make per minute: re-announces come every 10 minutes, or when its endpoints change. */
const ANNOUNCES_PER_MINUTE = 10;

/** Every engine counter at zero (a new engine's, or a sum over engines to start from). */
export function emptyEngineStats(): EngineStats {
  return {
    received: 0,
    accepted: 0,
    ignored: 0,
    rejected: 0,
    duplicatesDropped: 0,
    forwarded: 0,
    votesCast: 0,
    commitsApplied: 0,
    criticalApplied: 0,
  };
}

export function createState(options: EngineOptions, modules: EngineModules): EngineState {
  const { network } = options;
  const { rateLimitPerMinute, criticalRateLimitPerMinute } = network.params;
  const { clockSkewMs, proposalTimeoutMs } = network.params;
  const seenTtl = 2 * clockSkewMs + proposalTimeoutMs;
  return {
    options,
    modules,
    networkId: network.networkId,
    registry: new NodeRegistry(network),
    verifier: new MessageVerifier(modules.crypto, network.networkId),
    announces: new AnnounceBook(),
    proposals: new ProposalBook(),
    stats: emptyEngineStats(),
    seen: new TimeCache(seenTtl, SEEN_CAPACITY),
    tree: new GossipTree({ ...DEFAULT_TREE, ...options.tree }),
    routes: new TimeCache(2 * proposalTimeoutMs, SEEN_CAPACITY),
    recent: new TimeCache(seenTtl, RECENT_CAPACITY),
    ownVotes: new TimeCache(seenTtl, SEEN_CAPACITY),
    voteHops: new TimeCache(proposalTimeoutMs + clockSkewMs, VOTE_HOPS_CAPACITY),
    rates: {
      proposals: new TokenBuckets({ perMinute: rateLimitPerMinute, burst: rateLimitPerMinute }),
      critical: new TokenBuckets({
        perMinute: criticalRateLimitPerMinute,
        burst: criticalRateLimitPerMinute,
      }),
      announces: new TokenBuckets({ perMinute: ANNOUNCES_PER_MINUTE, burst: ANNOUNCES_PER_MINUTE }),
    },
    signer: options.signer,
    ownAnnounce: null,
    lastAnnounceAt: Number.NEGATIVE_INFINITY,
    ownRotation: null,
    catchingUp: false,
    deferredVotes: [],
  };
}

export const nowOf = (state: EngineState): number => state.modules.clock.now();

export function commitContext(state: EngineState): CommitContext {
  const { clockSkewMs, proposalTimeoutMs } = state.options.network.params;
  return {
    crypto: state.modules.crypto,
    networkId: state.networkId,
    verifier: state.verifier,
    registry: state.registry,
    clockSkewMs,
    proposalTimeoutMs,
  };
}

export const seenKey = (message: SignedMessage): string => `${message.id}:${signatureOf(message)}`;

/** Key of a proposal among all nodes' proposals: ids are unique only per origin. */
export const proposalKey = (origin: string, id: string): string => `${origin}:${id}`;

export function markSeen(state: EngineState, message: SignedMessage): void {
  state.seen.set(seenKey(message), true, nowOf(state));
}

/** The envelope of a new gossiped message from this node. */
export function envelope<T extends string>(state: EngineState, type: T) {
  return {
    type,
    version: PROTOCOL_VERSION,
    id: state.modules.entropy.messageId(),
    timestamp: isoTimestamp(nowOf(state)),
    origin: state.signer.nodeId,
    originKey: state.signer.publicKey,
  } as const;
}

/** Signs a new message as this node and marks it seen, so its echo from a peer is dropped unverified. */
export function signOwn<M extends Exclude<SignedMessage, KeyRotation | PeerAnnounce>>(
  state: EngineState,
  fields: Omit<UnsignedMessage<M>, 'version' | 'id' | 'timestamp' | 'origin' | 'originKey'>,
): M {
  const message = signMessage<M>(state.signer, state.networkId, {
    ...envelope(state, (fields as { type: string }).type),
    ...fields,
  } as unknown as UnsignedMessage<M>);
  markSeen(state, message);
  return message;
}

/** Counts a refusal for the stats and the shell (logs, metrics). */
export function noteDropped(state: EngineState, from: string, message: Message, outcome: Failure): void {
  if (outcome.kind === 'ignore') state.stats.ignored++;
  else state.stats.rejected++;
  state.modules.events?.dropped?.(from, message.type, outcome);
}
