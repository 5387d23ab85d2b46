// The protocol engine: every message from an established peer passes through here, cheapest checks first.
// Pure and synchronous: no sockets, timers or disk of its own — the shell injects them (see types.ts).
import type { ProposalRecord } from '../consensus/proposals.js';
import type { ErrorCode } from '../errors.js';
import { PROTOCOL_VERSION } from '../messages/fields.js';
import { MESSAGE_INFO } from '../messages/registry.js';
import type {
  Blacklist,
  KeyRotation,
  LedgerEntry,
  Message,
  Revocation,
  SecurityAlert,
} from '../messages/schemas.js';
import type { AnnounceBook } from '../nodes/announce-book.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { accept, ignore, type Outcome, reject } from '../outcome.js';
import type { SignedMessage, Signer } from '../signing.js';
import type { Verified } from '../verified.js';
import type { MessageVerifier } from '../verifier.js';
import { announceSelf, handleAnnounce } from './announce.js';
import {
  blacklist,
  handleCritical,
  importCritical,
  issueCritical,
  replayLedger,
  rotateKey,
} from './critical.js';
import {
  duplicateFrom,
  handleGraft,
  handleIHave,
  handlePrune,
  linkOpened,
  peerGone,
  spread,
  tickTree,
} from './dissemination.js';
import { packQueryResult } from './query.js';
import { signaturesAhead } from './signature-sets.js';
import { createState, type EngineState, noteDropped, nowOf, seenKey } from './state.js';
import type { EngineModules, EngineOptions, EngineStats } from './types.js';
import {
  castDeferredVotes,
  expireProposals,
  handleCommit,
  handleProposal,
  handleVote,
  importCommit,
  type ProposalInput,
  proposalRefusal,
  propose,
  resendVotesVia,
  votesHere,
} from './voting.js';

export type { ProposalInput } from './voting.js';

/** Entries in a NODES answer: Kademlia's k (the schema's cap). */
const NODES_PER_ANSWER = 20;

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

  /**
   * The refusal `handle` would give this schema-valid message now, if it would change nothing and check no
   * signature (a proposal from outside the network or out of its time window), counted as `handle` counts it;
   * otherwise null, and it is left to `handle`. Sound in place of `handle` only when nothing is queued ahead of
   * the message (an earlier KEY_ROTATION could make its origin a member).
   */
  refusedOnArrival(from: string, message: Message): Outcome<unknown> | null {
    if (message.type !== 'TRUST_UPDATE') return null;
    const { state } = this;
    const refused = proposalRefusal(state, message);
    // Only refusals `handle` would not remember (a blacklisted origin's is), and not a copy it would call a
    // duplicate instead.
    if (refused === null || !TRANSIENT.has(refused.code)) return null;
    if (state.seen.has(seenKey(message), nowOf(state))) return null;
    state.stats.received++;
    noteDropped(state, from, message, refused);
    return refused;
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
        return this.gossip(from, message, () => handleAnnounce(state, message));
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
      case 'PRUNE':
        return handlePrune(state, from, message);
      case 'IHAVE':
        return handleIHave(state, from, message);
      case 'GRAFT':
        return handleGraft(state, from, message);
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

  /**
   * A gossiped message: handled once and, when accepted, forwarded unchanged (dissemination.ts: over the tree, or
   * to every neighbour for critical events); a copy of one handled before prunes the link it came by.
   */
  private gossip(from: string, message: SignedMessage, work: () => Outcome<unknown>): Outcome<unknown> {
    const outcome = this.once(message, work);
    if (outcome.kind === 'accept') {
      spread(this.state, message, from);
      this.state.stats.forwarded++;
    } else if (outcome.kind === 'ignore' && outcome.code === 'TM_ERR_DUPLICATE') {
      const origin = (message as { origin?: string }).origin;
      if (origin !== undefined) duplicateFrom(this.state, from, message.type, origin, seenKey(message));
    }
    return outcome;
  }

  /**
   * The shell dropped a byte-identical copy of a message handled before, unparsed (net/duplicate-frames.ts):
   * for the tree it is a duplicate like any other.
   */
  duplicateFrom(peerId: string, type: Message['type'], origin: string): void {
    duplicateFrom(this.state, peerId, type, origin, null);
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

  /** A neighbour finished its handshake: it gets this node's rotation and the announces and ids it may lack. */
  peerConnected(peerId: string): void {
    const { state } = this;
    const { output } = state.modules;
    linkOpened(state, peerId);
    if (state.ownRotation !== null) output.send(peerId, state.ownRotation);
    // The first announce is broadcast, which already reaches this peer; later ones it gets from the book.
    const first = state.ownAnnounce === null;
    if (first) this.announce(false);
    for (const announce of state.announces.recent(256, nowOf(state))) {
      if (!(first && announce === state.ownAnnounce)) output.send(peerId, announce);
    }
  }

  /** A neighbour's connection closed: the trees regraft, and votes last sent over it go again another way. */
  peerDisconnected(peerId: string): void {
    peerGone(this.state, peerId);
    resendVotesVia(this.state, peerId);
  }

  /** Signs a fresh PEER_ANNOUNCE (when due, or when `force`) and gossips it. */
  announce(force: boolean): void {
    announceSelf(this.state, this.votes, force);
  }

  /**
   * Advances time-driven work: proposal deadlines, cache expiry, the tree's lazy rounds and repair, periodic
   * announces. Call it often (≤ 250 ms keeps repair timely).
   */
  tick(): void {
    const { state } = this;
    const now = nowOf(state);
    expireProposals(state);
    state.seen.prune(now);
    state.routes.prune(now);
    state.recent.prune(now);
    state.ownVotes.prune(now);
    state.voteHops.prune(now);
    state.announces.prune(now);
    tickTree(state);
    this.announce(false);
  }
}
