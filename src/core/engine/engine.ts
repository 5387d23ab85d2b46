// The protocol engine: every message from an established peer passes through here, cheapest checks first.
// Pure and synchronous: no sockets, timers or disk of its own — the shell injects them (see types.ts).
import { workBits } from '../admission/work.js';
import type { ProposalRecord } from '../consensus/proposals.js';
import type { ErrorCode } from '../errors.js';
import { PROTOCOL_VERSION } from '../messages/fields.js';
import { MESSAGE_INFO } from '../messages/registry.js';
import type {
  Blacklist,
  KeyRotation,
  LedgerEntry,
  Message,
  PeerAnnounce,
  Revocation,
  SecurityAlert,
} from '../messages/schemas.js';
import type { AnnounceBook } from '../nodes/announce-book.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { accept, ignore, type Outcome, reject } from '../outcome.js';
import { type SignedMessage, type Signer, signMessage, type UnsignedMessage } from '../signing.js';
import { isoTimestamp } from '../time.js';
import type { Verified } from '../verified.js';
import type { MessageVerifier } from '../verifier.js';
import {
  blacklist,
  handleCritical,
  importCritical,
  issueCritical,
  replayLedger,
  rotateKey,
} from './critical.js';
import { packQueryResult } from './query.js';
import { signaturesAhead } from './signature-sets.js';
import { createState, type EngineState, markSeen, noteDropped, nowOf, seenKey } from './state.js';
import type { EngineModules, EngineOptions, EngineStats } from './types.js';
import { verifySigned } from './verify.js';
import {
  castDeferredVotes,
  expireProposals,
  handleCommit,
  handleProposal,
  handleVote,
  importCommit,
  type ProposalInput,
  propose,
  votesHere,
} from './voting.js';

export type { ProposalInput } from './voting.js';

const DEFAULT_ANNOUNCE_INTERVAL_MS = 10 * 60_000;
/** Entries in a NODES answer: Kademlia's k (the schema's cap). */
const NODES_PER_ANSWER = 20;

const workField = (work: string | undefined) => (work === undefined ? {} : { work });

/**
 * Refusals that may turn into acceptance later (a rotation or stake change not yet seen here, a clock that
 * catches up): such messages are not remembered as seen, so a copy from another peer is looked at again.
 */
const TRANSIENT = new Set<ErrorCode>([
  'TM_ERR_QUORUM_NOT_REACHED',
  'TM_ERR_UNKNOWN_ORIGIN',
  'TM_ERR_TIMESTAMP_SKEW',
  'TM_ERR_NO_ROUTE',
]);

export class MeshEngine {
  private readonly state: EngineState;

  constructor(options: EngineOptions, modules: EngineModules) {
    this.state = createState(options, modules);
    replayLedger(this.state);
  }

  get nodeId(): string {
    return this.state.signer.nodeId;
  }

  get publicKey(): string {
    return this.state.signer.publicKey;
  }

  /** This node's current key (it changes on rotation). */
  get signer(): Signer {
    return this.state.signer;
  }

  /** Whether this node votes on proposals (never a light node). */
  get votes(): boolean {
    return votesHere(this.state);
  }

  get registry(): NodeRegistry {
    return this.state.registry;
  }

  get verifier(): MessageVerifier {
    return this.state.verifier;
  }

  get announces(): AnnounceBook {
    return this.state.announces;
  }

  get stats(): EngineStats {
    return this.state.stats;
  }

  get pendingProposals(): number {
    return this.state.proposals.size;
  }

  // ---- Inbound -----------------------------------------------------------------------------------------

  /** Whether this signed message was handled for good: another copy would be dropped as a duplicate. */
  hasSeen(message: Message): boolean {
    if (MESSAGE_INFO[message.type].scope === 'link') return false;
    return this.state.seen.has(seenKey(message as SignedMessage), nowOf(this.state));
  }

  /** The signed messages handling `message` would verify now, for a batch verifier to check ahead of the turn. */
  signaturesAhead(message: Message): SignedMessage[] {
    return signaturesAhead(this.state, message);
  }

  /** Handles one schema-valid message from an established neighbour. Never throws on bad input. */
  handle(from: string, message: Message): Outcome<unknown> {
    const { state } = this;
    state.stats.received++;
    const outcome = this.dispatch(from, message);
    if (outcome.kind === 'accept') {
      state.stats.accepted++;
      if (MESSAGE_INFO[message.type].scope !== 'link') state.modules.events?.accepted?.(from, message);
    } else {
      noteDropped(state, from, message, outcome);
    }
    return outcome;
  }

  private dispatch(from: string, message: Message): Outcome<unknown> {
    const { state } = this;
    switch (message.type) {
      case 'TRUST_UPDATE':
        return this.gossip(from, message, () => handleProposal(state, from, message));
      case 'COMMIT':
        return this.gossip(from, message, () => handleCommit(state, message));
      case 'REVOCATION':
      case 'KEY_ROTATION':
      case 'SECURITY_ALERT':
      case 'BLACKLIST':
        return this.gossip(from, message, () => handleCritical(state, message));
      case 'PEER_ANNOUNCE':
        return this.gossip(from, message, () => this.onAnnounce(message));
      case 'VOTE':
        return this.once(message, () => handleVote(state, from, message));
      case 'QUERY':
        // Behind, this node's answer could omit what it has not caught up on: it refuses rather than mislead.
        if (state.catchingUp) {
          state.modules.output.send(from, {
            type: 'SYNC_REFUSED',
            version: PROTOCOL_VERSION,
            id: message.id,
            code: 'TM_ERR_SYNCING',
            latestHeight: -1,
          });
          return ignore('TM_ERR_SYNCING');
        }
        state.modules.output.send(
          from,
          packQueryResult(state.modules.ledger, message, state.options.network.params.maxFrameBytes),
        );
        return accept(undefined);
      case 'QUERY_RESULT':
        state.modules.events?.queryResult?.(from, message);
        return accept(undefined);
      case 'FIND_NODE':
        state.modules.output.send(from, {
          type: 'NODES',
          version: PROTOCOL_VERSION,
          id: message.id,
          nodes:
            state.modules.directory?.closest(message.target, NODES_PER_ANSWER) ??
            state.announces.closest(message.target, NODES_PER_ANSWER, nowOf(state)),
        });
        return accept(undefined);
      case 'NODES':
        state.modules.events?.nodes?.(from, message);
        return accept(undefined);
      case 'SYNC_STATUS_REQUEST':
      case 'SYNC_ROOTS_REQUEST':
      case 'SYNC_BLOCK_REQUEST':
      case 'SYNC_STATUS':
      case 'SYNC_ROOTS':
      case 'SYNC_BLOCK':
      case 'SYNC_REFUSED':
        // Link messages served from storage by the shell (node/sync): they change nothing in the engine.
        if (state.modules.events?.sync === undefined)
          return ignore('TM_ERR_UNKNOWN_TYPE', `${message.type} is not served here`);
        state.modules.events.sync(from, message);
        return accept(undefined);
      case 'HANDSHAKE':
      case 'HANDSHAKE_ACK':
        return reject('TM_ERR_HANDSHAKE_UNEXPECTED', 'handshake already complete');
      default:
        // Heartbeats are answered by the connection.
        return ignore('TM_ERR_UNKNOWN_TYPE', `${message.type} is not served here`);
    }
  }

  /**
   * The seen-cache around one signed message's handling: a duplicate is dropped before any work, and the
   * message is remembered unless its refusal may change later (TRANSIENT).
   */
  private once(message: SignedMessage, work: () => Outcome<unknown>): Outcome<unknown> {
    const { state } = this;
    const key = seenKey(message);
    const now = nowOf(state);
    if (state.seen.has(key, now)) {
      state.stats.duplicatesDropped++;
      return ignore('TM_ERR_DUPLICATE');
    }
    const outcome = work();
    if (outcome.kind === 'accept' || (outcome.kind === 'ignore' && !TRANSIENT.has(outcome.code))) {
      state.seen.set(key, true, now);
    }
    return outcome;
  }

  /** A flooded message: handled once, and forwarded unchanged to every other peer when accepted. */
  private gossip(from: string, message: SignedMessage, work: () => Outcome<unknown>): Outcome<unknown> {
    const outcome = this.once(message, work);
    if (outcome.kind === 'accept') {
      this.state.modules.output.broadcast(message, from);
      this.state.stats.forwarded++;
    }
    return outcome;
  }

  private onAnnounce(announce: PeerAnnounce): Outcome<unknown> {
    const { state } = this;
    const held = state.announces.get(announce.nodeId);
    // Cheap first: a stale announce costs no signature check, nor does one from an outsider without its work.
    if (held !== undefined && held.timestamp >= announce.timestamp)
      return ignore('TM_ERR_DUPLICATE', 'not newer');
    const bits = state.options.network.params.admissionWorkBits;
    const outsider = bits > 0 && !state.registry.isMember(announce.nodeId);
    if (
      outsider &&
      workBits(state.modules.crypto, state.networkId, announce.nodeId, announce.work ?? '') < bits
    )
      return ignore('TM_ERR_ADMISSION_WORK', 'announce of a node outside the network file without its work');
    const verified = verifySigned(state, announce);
    if (verified.kind !== 'accept') return verified;
    if (!state.rates.announces.take(announce.nodeId, nowOf(state)))
      return ignore('TM_ERR_RATE_LIMITED', 'announcing too often');
    if (!state.announces.offer(announce, nowOf(state))) return ignore('TM_ERR_DUPLICATE', 'not newer');
    return accept(undefined);
  }

  /**
   * Verifies and stores a ledger entry that arrived outside live gossip (a light node's query answer; sync
   * later): the same rules as live messages minus freshness, since stored entries may be old. Not forwarded.
   */
  importEntry(entry: LedgerEntry): Outcome<void> {
    if (entry.type === 'COMMIT') return importCommit(this.state, entry);
    return importCritical(this.state, entry);
  }

  /**
   * While catching up (sync) the node casts no votes — its view of the stake table and ledger may be old; it
   * votes on the still-fresh proposals it saw meanwhile once caught up (store work: call it in a transaction) — and
   * refuses QUERY with SYNC_REFUSED (TM_ERR_SYNCING) rather than answer with a ledger it knows is incomplete.
   */
  setCatchingUp(catchingUp: boolean): void {
    const caughtUp = this.state.catchingUp && !catchingUp;
    this.state.catchingUp = catchingUp;
    if (caughtUp) castDeferredVotes(this.state);
  }

  get catchingUp(): boolean {
    return this.state.catchingUp;
  }

  // ---- Local actions -----------------------------------------------------------------------------------

  propose(input: ProposalInput, overrides: { timestamp?: string } = {}): ProposalRecord {
    return propose(this.state, input, overrides);
  }

  proposalStatus(id: string): ProposalRecord | null {
    return this.state.proposals.get(id)?.record ?? this.state.modules.proposals.loadProposal(id);
  }

  revoke(input: { agentId: string; principalId: string; reason: string }): Verified<Revocation> {
    return issueCritical<Revocation>(this.state, {
      type: 'REVOCATION',
      priority: 'CRITICAL',
      payload: { ...input },
    });
  }

  alert(input: {
    severity: 'info' | 'warning' | 'critical';
    subject: { kind: 'node' | 'agent' | 'network'; id: string };
    summary: string;
    evidence?: object[];
  }): Verified<SecurityAlert> {
    return issueCritical<SecurityAlert>(this.state, {
      type: 'SECURITY_ALERT',
      priority: 'CRITICAL',
      severity: input.severity,
      subject: input.subject,
      summary: input.summary,
      evidence: (input.evidence ?? []) as Record<string, unknown>[],
    });
  }

  /** Accuses a node with evidence this node has checked (signed messages of the offender). */
  blacklist(offender: string, reason: Blacklist['reason'], evidence: SignedMessage[]): Outcome<void> {
    return blacklist(this.state, offender, reason, evidence);
  }

  /** Moves this node to a new key: signed by both keys, applied here, gossiped at once; then re-announced. */
  rotateKey(newSigner: Signer): Verified<KeyRotation> {
    const rotation = rotateKey(this.state, newSigner);
    this.announce(true);
    return rotation;
  }

  // ---- Peers and time ----------------------------------------------------------------------------------

  /** A neighbour finished its handshake: it gets this node's rotation and the announces it may have missed. */
  peerConnected(peerId: string): void {
    const { state } = this;
    const { output } = state.modules;
    if (state.ownRotation !== null) output.send(peerId, state.ownRotation);
    // The first announce is broadcast, which already reaches this peer; later ones it gets from the book.
    const first = state.ownAnnounce === null;
    if (first) this.announce(false);
    for (const announce of state.announces.recent(256, nowOf(state))) {
      if (!(first && announce === state.ownAnnounce)) output.send(peerId, announce);
    }
  }

  /** Signs a fresh PEER_ANNOUNCE (when due, or when `force`) and gossips it. */
  announce(force: boolean): void {
    const { state } = this;
    const now = nowOf(state);
    const interval = state.options.announceIntervalMs ?? DEFAULT_ANNOUNCE_INTERVAL_MS;
    if (!force && now - state.lastAnnounceAt < interval) return;
    state.lastAnnounceAt = now;
    const { nodeType } = state.options;
    const capabilities = [
      nodeType === 'light' ? 'LIGHT_NODE' : 'FULL_NODE',
      ...(nodeType === 'bridge' ? ['BRIDGE_NODE'] : []),
      ...(this.votes ? ['VALIDATOR'] : []),
    ];
    const announce = signMessage<PeerAnnounce>(state.signer, state.networkId, {
      type: 'PEER_ANNOUNCE',
      version: PROTOCOL_VERSION,
      id: state.modules.entropy.messageId(),
      timestamp: isoTimestamp(now),
      nodeId: state.signer.nodeId,
      publicKey: state.signer.publicKey,
      endpoints: [...state.options.endpoints],
      capabilities,
      ...workField(state.options.work?.()),
    } satisfies UnsignedMessage<PeerAnnounce>);
    state.ownAnnounce = announce;
    state.announces.offer(announce, now);
    markSeen(state, announce);
    state.modules.output.broadcast(announce);
  }

  /** Advances time-driven work: proposal deadlines, cache expiry, periodic announces. Call it often (≤ 1 s). */
  tick(): void {
    const { state } = this;
    const now = nowOf(state);
    expireProposals(state);
    state.seen.prune(now);
    state.routes.prune(now);
    state.recent.prune(now);
    state.ownVotes.prune(now);
    state.announces.prune(now);
    this.announce(false);
  }
}
