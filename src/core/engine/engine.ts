// The protocol engine: every message from an established peer passes through here, cheapest checks first.
// Pure and synchronous: no sockets, timers or disk of its own — the shell injects them (see types.ts).
import { type CommitContext, verifyCommit } from '../consensus/commit.js';
import { judgeUpdate } from '../consensus/judge.js';
import { ProposalBook, type ProposalRecord } from '../consensus/proposals.js';
import { voteMismatch, voteWeight } from '../consensus/votes.js';
import { freshnessProblem, originProblem, rotationProblem } from '../critical/checks.js';
import { brokenRule, checkEvidence, conflicts } from '../critical/evidence.js';
import { TimeCache } from '../gossip/time-cache.js';
import { ledgerKey } from '../ledger.js';
import { PROTOCOL_VERSION, type TrustEvent } from '../messages/fields.js';
import { MESSAGE_INFO } from '../messages/registry.js';
import type {
  Blacklist,
  Commit,
  CriticalEvent,
  KeyRotation,
  LedgerEntry,
  Message,
  PeerAnnounce,
  Query,
  TrustUpdate,
  Vote,
} from '../messages/schemas.js';
import { AnnounceBook } from '../nodes/announce-book.js';
import { NodeRegistry } from '../nodes/registry.js';
import { accept, ignore, type Outcome, reject } from '../outcome.js';
import {
  type SignedMessage,
  type Signer,
  signatureOf,
  signerOf,
  signKeyRotation,
  signMessage,
  type UnsignedMessage,
} from '../signing.js';
import { isoTimestamp, parseTimestamp } from '../time.js';
import { markVerified, type Verified } from '../verified.js';
import { MessageVerifier } from '../verifier.js';
import { packQueryResult } from './query.js';
import type { EngineModules, EngineOptions, EngineStats } from './types.js';

/** How long a message id stays in the seen cache; live messages older than the clock skew are refused anyway. */
const SEEN_CAPACITY = 200_000;
const RECENT_CAPACITY = 20_000;
const DEFAULT_ANNOUNCE_INTERVAL_MS = 10 * 60_000;

export interface ProposalInput {
  agentId: string;
  principalId: string;
  trustScore: number;
  event: TrustEvent;
}

export class MeshEngine {
  readonly registry: NodeRegistry;
  readonly verifier: MessageVerifier;
  readonly announces = new AnnounceBook();
  readonly stats: EngineStats = {
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

  private signer: Signer;
  private readonly networkId: string;
  private readonly proposals = new ProposalBook();
  /** Message ids (with signature) already handled: duplicates stop here, before any signature check. */
  private readonly seen: TimeCache<true>;
  /** For each proposal this node relayed: the neighbour it first came from, where its votes go back. */
  private readonly routes: TimeCache<string>;
  /** Recent signed messages by (signer, type, id), to catch a signer saying two different things. */
  private readonly recent: TimeCache<SignedMessage>;
  private lastAnnounceAt = Number.NEGATIVE_INFINITY;
  private ownAnnounce: PeerAnnounce | null = null;
  /** The rotation that made this node's current id, re-sent to each new peer: it may not have heard of it. */
  private ownRotation: KeyRotation | null = null;

  constructor(
    private readonly options: EngineOptions,
    private readonly modules: EngineModules,
  ) {
    const { network } = options;
    this.signer = options.signer;
    this.networkId = network.networkId;
    this.registry = new NodeRegistry(network);
    this.verifier = new MessageVerifier(modules.crypto, network.networkId);
    const seenTtl = 2 * network.params.clockSkewMs + network.params.proposalTimeoutMs;
    this.seen = new TimeCache(seenTtl, SEEN_CAPACITY);
    this.routes = new TimeCache(2 * network.params.proposalTimeoutMs, SEEN_CAPACITY);
    this.recent = new TimeCache(seenTtl, RECENT_CAPACITY);
    this.replayLedger();
  }

  get nodeId(): string {
    return this.signer.nodeId;
  }

  get publicKey(): string {
    return this.signer.publicKey;
  }

  get votes(): boolean {
    return this.options.votes && this.options.nodeType !== 'light';
  }

  private get context(): CommitContext {
    return {
      crypto: this.modules.crypto,
      networkId: this.networkId,
      verifier: this.verifier,
      registry: this.registry,
    };
  }

  private now(): number {
    return this.modules.clock.now();
  }

  /** Rebuilds rotations and blacklisting from stored entries, so stake weights survive restarts. */
  private replayLedger(): void {
    for (const entry of this.modules.ledger.entriesOfType(['KEY_ROTATION', 'BLACKLIST'])) {
      if (entry.type === 'KEY_ROTATION') {
        this.applyRotation(entry);
        if (entry.newNodeId === this.signer.nodeId) this.ownRotation = entry;
      } else if (entry.type === 'BLACKLIST') this.registry.applyBlacklist(entry.offender);
    }
  }

  // ---- Inbound -----------------------------------------------------------------------------------------

  /** Handles one schema-valid message from an established neighbour. Never throws on bad input. */
  handle(from: string, message: Message): Outcome<unknown> {
    this.stats.received++;
    const outcome = this.dispatch(from, message);
    if (outcome.kind === 'accept') {
      this.stats.accepted++;
      if (MESSAGE_INFO[message.type].scope !== 'link') this.modules.events?.accepted?.(from, message);
    } else {
      if (outcome.kind === 'ignore') this.stats.ignored++;
      else this.stats.rejected++;
      this.modules.events?.dropped?.(from, message.type, outcome);
    }
    return outcome;
  }

  private dispatch(from: string, message: Message): Outcome<unknown> {
    switch (message.type) {
      case 'TRUST_UPDATE':
      case 'COMMIT':
      case 'REVOCATION':
      case 'KEY_ROTATION':
      case 'SECURITY_ALERT':
      case 'BLACKLIST':
      case 'PEER_ANNOUNCE':
        return this.handleGossip(from, message);
      case 'VOTE':
        return this.handleVote(from, message);
      case 'QUERY':
        return this.answerQuery(from, message);
      case 'QUERY_RESULT':
        this.modules.events?.queryResult?.(from, message);
        return accept(undefined);
      case 'FIND_NODE':
        this.modules.output.send(from, {
          type: 'NODES',
          version: PROTOCOL_VERSION,
          id: message.id,
          nodes: this.announces.closest(message.target, 20, this.now()),
        });
        return accept(undefined);
      case 'HANDSHAKE':
      case 'HANDSHAKE_ACK':
        return reject('TM_ERR_HANDSHAKE_UNEXPECTED', 'handshake already complete');
      default:
        // Heartbeats are answered by the connection; sync messages are specified but not served in 1.0.
        return ignore('TM_ERR_UNKNOWN_TYPE', `${message.type} is not served here`);
    }
  }

  private seenKey(message: SignedMessage): string {
    return `${message.id}:${signatureOf(message)}`;
  }

  private handleGossip(from: string, message: SignedMessage): Outcome<unknown> {
    const now = this.now();
    const key = this.seenKey(message);
    if (this.seen.has(key, now)) {
      this.stats.duplicatesDropped++;
      return ignore('TM_ERR_DUPLICATE');
    }
    if (
      message.type !== 'PEER_ANNOUNCE' &&
      message.type !== 'TRUST_UPDATE' &&
      this.modules.ledger.has(ledgerKey(message as CriticalEvent | Commit))
    ) {
      this.seen.set(key, true, now);
      this.stats.duplicatesDropped++;
      return ignore('TM_ERR_DUPLICATE', 'already in the ledger');
    }
    const signer = signerOf(message);
    if (this.registry.isBlacklisted(signer.nodeId)) return ignore('TM_ERR_BLACKLISTED');
    const verified = this.verifier.verify(message);
    if (verified.kind !== 'accept') {
      // A commit with a good envelope but a broken inside is its origin's signed fault, not the relay's alone.
      return verified;
    }
    this.seen.set(key, true, now);
    if (this.detectEquivocation(message, now)) return ignore('TM_ERR_BLACKLISTED', 'equivocation detected');

    const outcome = this.apply(from, message, verified.value, now);
    if (outcome.kind === 'accept') {
      this.modules.output.broadcast(message, from);
      this.stats.forwarded++;
    }
    return outcome;
  }

  private apply(from: string, message: SignedMessage, digest: string, now: number): Outcome<unknown> {
    switch (message.type) {
      case 'TRUST_UPDATE':
        return this.onProposal(from, message, digest, now);
      case 'COMMIT':
        return this.onCommit(message);
      case 'PEER_ANNOUNCE':
        return this.onAnnounce(message, now);
      case 'REVOCATION':
      case 'SECURITY_ALERT':
      case 'KEY_ROTATION':
      case 'BLACKLIST':
        return this.onCritical(message, now);
      default:
        return ignore('TM_ERR_UNKNOWN_TYPE');
    }
  }

  /** A validator votes on every authentic proposal it sees, and relays only those it accepts. */
  private onProposal(from: string, update: TrustUpdate, digest: string, now: number): Outcome<unknown> {
    this.routes.set(update.id, from, now);
    const problem = judgeUpdate(update, now, this.options.network.params.clockSkewMs, this.registry);
    if (this.votes) this.castVote(update, digest, problem, from);
    return problem === null ? accept(undefined) : ignore(problem);
  }

  private onCommit(commit: Commit): Outcome<unknown> {
    const outcome = verifyCommit(commit, this.context);
    if (outcome.kind === 'reject') {
      if (brokenRule(this.context, commit) !== null)
        this.blacklist(commit.origin, 'INVALID_MESSAGE', [commit]);
      return outcome;
    }
    if (outcome.kind === 'ignore') return outcome;
    if (!this.modules.ledger.append(outcome.value))
      return ignore('TM_ERR_DUPLICATE', 'already in the ledger');
    this.stats.commitsApplied++;
    this.modules.events?.committed?.(outcome.value, false);
    return accept(undefined);
  }

  private onAnnounce(announce: PeerAnnounce, now: number): Outcome<unknown> {
    if (!this.announces.offer(announce, now))
      return ignore('TM_ERR_DUPLICATE', 'not newer than the held announce');
    if (!this.registry.rotationOf(announce.nodeId))
      this.registry.markKnown(announce.nodeId, announce.publicKey);
    return accept(undefined);
  }

  private onCritical(event: CriticalEvent, now: number): Outcome<unknown> {
    if (event.type === 'KEY_ROTATION') {
      const held = this.registry.rotationOf(event.origin);
      if (held !== undefined && held.to !== event.newNodeId) {
        const previous = this.modules.ledger
          .entriesOfType(['KEY_ROTATION'])
          .find((entry) => entry.type === 'KEY_ROTATION' && entry.origin === event.origin);
        if (previous) this.blacklist(event.origin, 'EQUIVOCATION', [previous, event]);
        return ignore('TM_ERR_KEY_ROTATED', 'conflicting rotation');
      }
    }
    const originCode = originProblem(this.registry, event.origin);
    if (originCode !== null) return ignore(originCode);
    // Revocations and alerts must be fresh (their time is what they assert); rotations and blacklists are
    // re-sent to peers that missed them, and the ledger key already stops replays.
    if (event.type === 'REVOCATION' || event.type === 'SECURITY_ALERT') {
      const freshness = freshnessProblem(event, now, this.options.network.params.clockSkewMs);
      if (freshness !== null) return ignore(freshness);
    }
    if (event.type === 'KEY_ROTATION') {
      const rotationCode = rotationProblem(this.registry, event);
      if (rotationCode !== null) return reject(rotationCode);
    }
    if (event.type === 'BLACKLIST') {
      const evidence = checkEvidence(event, this.context);
      if (evidence.kind !== 'accept') return evidence;
    }
    this.applyCritical(markVerified(event));
    return accept(undefined);
  }

  /** Stores a verified critical event and puts it into effect at once. */
  private applyCritical(event: Verified<CriticalEvent>): void {
    if (!this.modules.ledger.append(event)) return;
    this.stats.criticalApplied++;
    if (event.type === 'KEY_ROTATION') this.applyRotation(event);
    if (event.type === 'BLACKLIST' && this.registry.applyBlacklist(event.offender)) {
      for (const id of this.registry.chainOf(event.offender)) {
        if (this.modules.output.isConnected(id)) this.modules.output.disconnect(id, 'TM_ERR_BLACKLISTED');
      }
      this.modules.events?.blacklisted?.(event.offender);
    }
    this.modules.events?.critical?.(event);
  }

  private applyRotation(rotation: KeyRotation): void {
    const order = { at: parseTimestamp(rotation.timestamp) ?? 0, id: rotation.id };
    if (this.registry.applyRotation(rotation.origin, rotation.newNodeId, rotation.newPublicKey, order)) {
      this.modules.events?.rotated?.(rotation.origin, rotation.newNodeId);
    }
  }

  private detectEquivocation(message: SignedMessage, now: number): boolean {
    const signer = signerOf(message).nodeId;
    const key = `${signer}:${message.type}:${message.id}`;
    const held = this.recent.get(key, now);
    if (held === undefined) {
      this.recent.set(key, message, now);
      return false;
    }
    if (!conflicts(this.context, held, message)) return false;
    this.blacklist(signer, 'EQUIVOCATION', [held, message]);
    return true;
  }

  /**
   * Verifies and stores a ledger entry that arrived outside live gossip (a light node's query answer; sync
   * later): the same checks as live messages minus freshness, since stored entries may be old. Not forwarded.
   */
  importEntry(entry: LedgerEntry): Outcome<void> {
    if (this.modules.ledger.has(ledgerKey(entry))) return accept(undefined);
    if (entry.type === 'COMMIT') {
      const outcome = verifyCommit(entry, this.context);
      if (outcome.kind !== 'accept') return outcome;
      if (this.modules.ledger.append(outcome.value)) this.modules.events?.committed?.(outcome.value, false);
      return accept(undefined);
    }
    const signature = this.verifier.verify(entry);
    if (signature.kind !== 'accept') return signature;
    if (this.registry.isBlacklisted(entry.origin)) return ignore('TM_ERR_BLACKLISTED');
    // Old entries may come from keys rotated since, so membership is checked along the rotation chain.
    if (!this.registry.isMember(entry.origin)) return ignore('TM_ERR_UNKNOWN_ORIGIN');
    if (entry.type === 'BLACKLIST') {
      const evidence = checkEvidence(entry, this.context);
      if (evidence.kind !== 'accept') return evidence;
    }
    this.applyCritical(markVerified(entry));
    return accept(undefined);
  }

  // ---- Votes -------------------------------------------------------------------------------------------

  private handleVote(from: string, vote: Vote): Outcome<unknown> {
    const now = this.now();
    const key = this.seenKey(vote);
    if (this.seen.has(key, now)) {
      this.stats.duplicatesDropped++;
      return ignore('TM_ERR_DUPLICATE');
    }
    if (this.registry.isBlacklisted(vote.origin)) return ignore('TM_ERR_BLACKLISTED');
    const verified = this.verifier.verify(vote);
    if (verified.kind !== 'accept') return verified;
    this.seen.set(key, true, now);
    if (vote.updateOrigin === this.nodeId) return this.countVote(vote);
    const target = this.modules.output.isConnected(vote.updateOrigin)
      ? vote.updateOrigin
      : this.routes.get(vote.updateId, now);
    if (target === undefined || target === from) return ignore('TM_ERR_NO_ROUTE');
    this.modules.output.send(target, vote);
    this.stats.forwarded++;
    return accept(undefined);
  }

  private castVote(
    update: TrustUpdate,
    digest: string,
    problem: string | null,
    cameFrom: string | null,
  ): void {
    const unsigned: UnsignedMessage<Vote> = {
      type: 'VOTE',
      version: PROTOCOL_VERSION,
      id: this.modules.entropy.messageId(),
      timestamp: isoTimestamp(this.now()),
      origin: this.nodeId,
      originKey: this.publicKey,
      updateId: update.id,
      updateOrigin: update.origin,
      updateDigest: digest,
      decision: problem === null ? 'accept' : 'reject',
      ...(problem === null ? {} : { reason: problem }),
    };
    const vote = signMessage<Vote>(this.signer, this.networkId, unsigned);
    this.stats.votesCast++;
    this.seen.set(this.seenKey(vote), true, this.now());
    if (update.origin === this.nodeId) {
      this.countVote(vote);
      return;
    }
    const target = this.modules.output.isConnected(update.origin) ? update.origin : cameFrom;
    if (target !== null) this.modules.output.send(target, vote);
  }

  private countVote(vote: Vote): Outcome<unknown> {
    const pending = this.proposals.get(vote.updateId);
    if (pending === undefined) return ignore('TM_ERR_DUPLICATE', 'proposal already settled');
    const mismatch = voteMismatch(vote, pending.record.update, pending.digest);
    if (mismatch !== null) return reject(mismatch);
    const weight = voteWeight(this.registry, vote);
    if (weight.weight === 0) return ignore('TM_ERR_NOT_VALIDATOR');
    const total = this.registry.totalActiveStake();
    const result = this.proposals.addVote(vote, weight, total)!;
    if (result.added.kind === 'conflict') {
      this.blacklist(vote.origin, 'EQUIVOCATION', [result.added.previous, vote]);
      return ignore('TM_ERR_VOTE_DUPLICATE', 'conflicting vote');
    }
    if (result.added.kind === 'duplicate') return ignore('TM_ERR_VOTE_DUPLICATE');
    this.settleIfDecided(vote.updateId);
    return accept(undefined);
  }

  private settleIfDecided(id: string): void {
    const status = this.proposals.status(id, this.registry.totalActiveStake());
    if (status === 'quorum') this.commitProposal(id);
    else if (status === 'defeated')
      this.settle(this.proposals.settleRejected(id, 'TM_ERR_PROPOSAL_REJECTED', this.now()));
  }

  private commitProposal(id: string): void {
    const pending = this.proposals.get(id)!;
    const { update } = pending.record;
    const commit = signMessage<Commit>(this.signer, this.networkId, {
      type: 'COMMIT',
      version: PROTOCOL_VERSION,
      id: this.modules.entropy.messageId(),
      timestamp: isoTimestamp(this.now()),
      origin: this.nodeId,
      originKey: this.publicKey,
      update,
      votes: this.proposals.acceptingVotes(id),
    });
    const verified = markVerified(commit);
    this.modules.ledger.append(verified);
    this.stats.commitsApplied++;
    this.seen.set(this.seenKey(commit), true, this.now());
    this.settle(this.proposals.settleCommitted(id, commit, this.now()));
    this.modules.output.broadcast(commit);
    this.modules.events?.committed?.(verified, true);
  }

  private settle(record: ProposalRecord | undefined): void {
    if (record === undefined) return;
    this.modules.proposals.saveProposal(record);
    this.modules.events?.proposalSettled?.(record);
  }

  // ---- Local actions -----------------------------------------------------------------------------------

  /**
   * Proposes a trust update: signs it, votes on it if this node is a validator, and gossips it. Range checks
   * are the validators' job (so they can be tested end to end); the HTTP API checks input before calling.
   */
  propose(input: ProposalInput, overrides: { timestamp?: string } = {}): ProposalRecord {
    const now = this.now();
    const update = signMessage<TrustUpdate>(this.signer, this.networkId, {
      type: 'TRUST_UPDATE',
      version: PROTOCOL_VERSION,
      id: this.modules.entropy.messageId(),
      timestamp: overrides.timestamp ?? isoTimestamp(now),
      origin: this.nodeId,
      originKey: this.publicKey,
      payload: { ...input },
    });
    const digest = this.verifier.verify(update);
    if (digest.kind !== 'accept') throw new Error('own signature does not verify');
    const { params } = this.options.network;
    const record = this.proposals.open(
      update,
      digest.value,
      now,
      params.proposalTimeoutMs,
      this.registry.totalActiveStake(),
    );
    this.modules.proposals.saveProposal(record);
    this.seen.set(this.seenKey(update), true, now);
    this.modules.output.broadcast(update);
    if (this.votes) {
      this.castVote(update, digest.value, judgeUpdate(update, now, params.clockSkewMs, this.registry), null);
    } else {
      this.settleIfDecided(update.id);
    }
    return this.proposalStatus(update.id) ?? record;
  }

  proposalStatus(id: string): ProposalRecord | null {
    return this.proposals.get(id)?.record ?? this.modules.proposals.loadProposal(id);
  }

  revoke(input: { agentId: string; principalId: string; reason: string }): Verified<CriticalEvent> {
    return this.issueCritical<CriticalEvent>({
      type: 'REVOCATION',
      priority: 'CRITICAL',
      payload: { ...input },
    } as Partial<UnsignedMessage<CriticalEvent>>);
  }

  alert(input: {
    severity: 'info' | 'warning' | 'critical';
    subject: { kind: 'node' | 'agent' | 'network'; id: string };
    summary: string;
    evidence?: object[];
  }): Verified<CriticalEvent> {
    return this.issueCritical<CriticalEvent>({
      type: 'SECURITY_ALERT',
      priority: 'CRITICAL',
      severity: input.severity,
      subject: input.subject,
      summary: input.summary,
      evidence: (input.evidence ?? []) as Record<string, unknown>[],
    } as Partial<UnsignedMessage<CriticalEvent>>);
  }

  /** Accuses a node with evidence this node has checked; also used when it detects misbehaviour itself. */
  blacklist(offender: string, reason: Blacklist['reason'], evidence: SignedMessage[]): Outcome<void> {
    if (this.registry.isBlacklisted(offender) || offender === this.nodeId) return ignore('TM_ERR_DUPLICATE');
    const event = this.sign<Blacklist>({
      type: 'BLACKLIST',
      priority: 'CRITICAL',
      offender,
      reason,
      evidence: evidence as unknown as Record<string, unknown>[],
    } as Partial<UnsignedMessage<Blacklist>>);
    const checked = checkEvidence(event, this.context);
    if (checked.kind !== 'accept') return checked;
    this.applyCritical(markVerified(event));
    this.modules.output.broadcast(event);
    return accept(undefined);
  }

  /** Moves this node to a new key: signed by both keys, applied here, gossiped at once. */
  rotateKey(newSigner: Signer): Verified<KeyRotation> {
    const unsigned: UnsignedMessage<KeyRotation> = {
      ...this.envelope('KEY_ROTATION'),
      priority: 'CRITICAL',
      newNodeId: newSigner.nodeId,
      newPublicKey: newSigner.publicKey,
    } as UnsignedMessage<KeyRotation>;
    const rotation = markVerified(signKeyRotation(this.signer, newSigner, this.networkId, unsigned));
    this.seen.set(this.seenKey(rotation), true, this.now());
    this.applyCritical(rotation);
    this.modules.output.broadcast(rotation);
    this.signer = newSigner;
    this.ownRotation = rotation;
    this.announce(true);
    return rotation;
  }

  private envelope(type: string) {
    return {
      type,
      version: PROTOCOL_VERSION,
      id: this.modules.entropy.messageId(),
      timestamp: isoTimestamp(this.now()),
      origin: this.nodeId,
      originKey: this.publicKey,
    };
  }

  private sign<M extends Exclude<SignedMessage, KeyRotation>>(fields: Partial<UnsignedMessage<M>>): M {
    const message = signMessage<M>(this.signer, this.networkId, {
      ...this.envelope(fields.type as string),
      ...fields,
    } as unknown as UnsignedMessage<M>);
    this.seen.set(this.seenKey(message), true, this.now());
    return message;
  }

  private issueCritical<M extends CriticalEvent>(fields: Partial<UnsignedMessage<M>>): Verified<M> {
    const event = markVerified(
      this.sign(fields as Partial<UnsignedMessage<Exclude<M, KeyRotation>>>),
    ) as Verified<M>;
    this.applyCritical(event);
    this.modules.output.broadcast(event);
    return event;
  }

  // ---- Peers, queries and time -------------------------------------------------------------------------

  /** A neighbour finished its handshake: it is known, and gets the announces it may have missed. */
  peerConnected(peerId: string, publicKey: string): void {
    if (!this.registry.rotationOf(peerId)) this.registry.markKnown(peerId, publicKey);
    const now = this.now();
    if (this.ownRotation !== null) this.modules.output.send(peerId, this.ownRotation);
    // The first announce is broadcast, which already reaches this peer; later ones it gets from the book.
    const first = this.ownAnnounce === null;
    if (first) this.announce(false);
    for (const announce of this.announces.recent(256, now)) {
      if (!(first && announce === this.ownAnnounce)) this.modules.output.send(peerId, announce);
    }
  }

  /** Signs a fresh PEER_ANNOUNCE (when due, or when `force`) and gossips it. */
  announce(force: boolean): void {
    const now = this.now();
    const interval = this.options.announceIntervalMs ?? DEFAULT_ANNOUNCE_INTERVAL_MS;
    if (!force && now - this.lastAnnounceAt < interval) return;
    this.lastAnnounceAt = now;
    const capabilities = [
      this.options.nodeType === 'light' ? 'LIGHT_NODE' : 'FULL_NODE',
      ...(this.options.nodeType === 'bridge' ? ['BRIDGE_NODE'] : []),
      ...(this.votes ? ['VALIDATOR'] : []),
    ];
    const unsigned: UnsignedMessage<PeerAnnounce> = {
      type: 'PEER_ANNOUNCE',
      version: PROTOCOL_VERSION,
      id: this.modules.entropy.messageId(),
      timestamp: isoTimestamp(now),
      nodeId: this.nodeId,
      publicKey: this.publicKey,
      endpoints: [...this.options.endpoints],
      capabilities,
    };
    this.ownAnnounce = signMessage<PeerAnnounce>(this.signer, this.networkId, unsigned);
    this.announces.offer(this.ownAnnounce, now);
    this.seen.set(this.seenKey(this.ownAnnounce), true, now);
    this.modules.output.broadcast(this.ownAnnounce);
  }

  private answerQuery(from: string, query: Query): Outcome<unknown> {
    this.modules.output.send(
      from,
      packQueryResult(this.modules.ledger, query, this.options.network.params.maxFrameBytes),
    );
    return accept(undefined);
  }

  /** Advances time-driven work: proposal deadlines, cache expiry, periodic announces. Call it often (≤ 1 s). */
  tick(): void {
    const now = this.now();
    for (const id of this.proposals.expired(now)) {
      this.settle(this.proposals.settleRejected(id, 'TM_ERR_PROPOSAL_EXPIRED', now));
    }
    this.seen.prune(now);
    this.routes.prune(now);
    this.recent.prune(now);
    this.announces.prune(now);
    this.announce(false);
  }

  get pendingProposals(): number {
    return this.proposals.size;
  }

  /** Lane a message travels in on every connection. */
  static laneOf(message: Message) {
    return MESSAGE_INFO[message.type].lane;
  }
}
