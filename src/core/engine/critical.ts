// Critical events in the engine: admission, application (no votes), blacklisting with evidence, key rotation.
// Live gossip and imported entries share admissionProblem(); only freshness and forwarding differ.
import { type AdmissionContext, admissionProblem, rotationProblem } from '../critical/checks.js';
import { checkEvidence } from '../critical/evidence.js';
import type { ErrorCode } from '../errors.js';
import { ledgerKey } from '../ledger.js';
import type {
  Blacklist,
  CriticalEvent,
  KeyRotation,
  Revocation,
  SecurityAlert,
} from '../messages/schemas.js';
import { accept, ignore, type Outcome, reject } from '../outcome.js';
import {
  type SignedMessage,
  type Signer,
  signatureOf,
  signKeyRotation,
  type UnsignedMessage,
} from '../signing.js';
import { parseTimestamp } from '../time.js';
import { markVerified, type Verified } from '../verified.js';
import { commitContext, type EngineState, envelope, markSeen, nowOf, signOwn } from './state.js';
import { verifySigned } from './verify.js';

function admission(state: EngineState, live: boolean): AdmissionContext {
  return {
    registry: state.registry,
    now: nowOf(state),
    clockSkewMs: state.options.network.params.clockSkewMs,
    live,
  };
}

/** Rebuilds rotations and blacklisting from stored entries, so stake weights survive restarts. */
export function replayLedger(state: EngineState): void {
  for (const entry of state.modules.ledger.entriesOfType(['KEY_ROTATION', 'BLACKLIST'])) {
    if (entry.type === 'KEY_ROTATION') {
      applyRotation(state, entry);
      if (entry.newNodeId === state.signer.nodeId) state.ownRotation = entry;
    } else if (entry.type === 'BLACKLIST') state.registry.applyBlacklist(entry.offender, instantOf(entry));
  }
}

/** A critical event from live gossip. Accepted events are forwarded by the caller. */
export function handleCritical(state: EngineState, event: CriticalEvent): Outcome<unknown> {
  const { registry, modules } = state;
  const stored = modules.ledger.get(ledgerKey(event));
  if (stored !== null) {
    if (signatureOf(stored as SignedMessage) === signatureOf(event))
      return ignore('TM_ERR_DUPLICATE', 'already in the ledger');
    // Same key, different content: only its origin could have signed both (verifySigned raises the evidence).
    return takeConflicting(state, event);
  }
  if (event.type === 'KEY_ROTATION') {
    const held = registry.rotationOf(event.origin);
    if (held !== undefined && held.to !== event.newNodeId) return takeConflicting(state, event);
  }
  const problem = admissionProblem(event, admission(state, true));
  if (problem !== null) return problem === 'TM_ERR_ROTATION_INVALID' ? reject(problem) : ignore(problem);
  const verified = verifySigned(state, event);
  // Only a verified event spends its origin's budget, so no one can exhaust another member's revocations.
  if (verified.kind === 'accept' && !state.rates.critical.take(event.origin, nowOf(state)))
    return ignore('TM_ERR_RATE_LIMITED', `${event.origin.slice(0, 12)} over its critical-event budget`);
  return verifyAndApply(state, event, verified);
}

/** The expensive part of admission, shared by live and imported events: signatures, then evidence. */
function verifyAndApply(state: EngineState, event: CriticalEvent, verified: Outcome<string>): Outcome<void> {
  if (verified.kind !== 'accept') return verified;
  if (event.type === 'BLACKLIST') {
    const evidence = checkEvidence(event, commitContext(state));
    if (evidence.kind !== 'accept') return evidence;
  }
  applyCritical(state, markVerified(event));
  return accept(undefined);
}

/**
 * A second, different event where the node already holds one (same key, or a second rotation away from one
 * id). If it verifies, its origin equivocated: blacklist it, and store the event too so that every node ends
 * with the same preferred entry and rotation whatever the arrival order. Forwarded so others see both.
 */
function takeConflicting(state: EngineState, event: CriticalEvent): Outcome<unknown> {
  const problem = conflictProblem(state, event);
  if (problem !== null) return problem === 'TM_ERR_ROTATION_INVALID' ? reject(problem) : ignore(problem);
  const verified = state.verifier.verify(event);
  if (verified.kind !== 'accept') return verified;
  const held =
    event.type === 'KEY_ROTATION'
      ? state.modules.ledger
          .entriesOfType(['KEY_ROTATION'])
          .find((entry) => entry.origin === event.origin && entry.id !== event.id)
      : state.modules.ledger.get(ledgerKey(event));
  if (held !== undefined && held !== null)
    blacklist(state, event.origin, 'EQUIVOCATION', [held as SignedMessage, event]);
  state.modules.ledger.append(markVerified(event));
  if (event.type === 'KEY_ROTATION') applyRotation(state, event);
  return accept(undefined);
}

/**
 * The rules a conflicting event must still pass though its key (or its origin's rotation) is taken: only a
 * member not yet blacklisted may equivocate into the ledger, and a second rotation is held to every rotation
 * rule — one onto its own id or an existing identity would corrupt the stake table once stored and applied.
 */
function conflictProblem(state: EngineState, event: CriticalEvent): ErrorCode | null {
  const { registry } = state;
  if (registry.isBlacklisted(event.origin)) return 'TM_ERR_BLACKLISTED';
  if (parseTimestamp(event.timestamp) === null) return 'TM_ERR_TIMESTAMP_INVALID';
  if (!registry.isMember(event.origin)) return 'TM_ERR_UNKNOWN_ORIGIN';
  return event.type === 'KEY_ROTATION' ? rotationProblem(registry, event) : null;
}

/** An old critical event arriving outside live gossip (a light node's query answer; sync later). */
export function importCritical(state: EngineState, event: CriticalEvent): Outcome<void> {
  const problem = admissionProblem(event, admission(state, false));
  if (problem !== null) return ignore(problem);
  return verifyAndApply(state, event, state.verifier.verify(event));
}

/** Stores a verified critical event and puts it into effect at once. */
export function applyCritical(state: EngineState, event: Verified<CriticalEvent>): void {
  const { modules, registry } = state;
  if (!modules.ledger.append(event)) return;
  state.stats.criticalApplied++;
  if (event.type === 'KEY_ROTATION') applyRotation(state, event);
  if (event.type === 'BLACKLIST' && registry.applyBlacklist(event.offender, instantOf(event))) {
    for (const id of registry.chainOf(event.offender)) {
      if (modules.output.isConnected(id)) modules.output.disconnect(id, 'TM_ERR_BLACKLISTED');
    }
    modules.events?.blacklisted?.(event.offender);
  }
  modules.events?.critical?.(event);
}

/** A blacklisting takes effect from its own timestamp: commits dated earlier keep the offender's votes. */
const instantOf = (event: Blacklist): number => parseTimestamp(event.timestamp) ?? Number.NEGATIVE_INFINITY;

function applyRotation(state: EngineState, rotation: KeyRotation): void {
  const order = { at: parseTimestamp(rotation.timestamp) ?? 0, id: rotation.id, origin: rotation.origin };
  if (state.registry.applyRotation(rotation.origin, rotation.newNodeId, order, rotation.newPublicKey)) {
    state.tree.renamed(rotation.origin, rotation.newNodeId);
    state.modules.events?.rotated?.(rotation.origin, rotation.newNodeId);
  }
}

/** Accuses a node with evidence this node has checked; also used when it detects misbehaviour itself. */
export function blacklist(
  state: EngineState,
  offender: string,
  reason: Blacklist['reason'],
  evidence: SignedMessage[],
): Outcome<void> {
  if (offender === state.signer.nodeId)
    return reject('TM_ERR_EVIDENCE_INVALID', 'a node does not accuse itself');
  if (state.registry.isBlacklisted(offender)) return ignore('TM_ERR_BLACKLISTED', 'already blacklisted');
  const event = signOwn<Blacklist>(state, {
    type: 'BLACKLIST',
    priority: 'CRITICAL',
    offender,
    reason,
    evidence: evidence as unknown as Record<string, unknown>[],
  });
  const checked = checkEvidence(event, commitContext(state));
  if (checked.kind !== 'accept') return checked;
  applyCritical(state, markVerified(event));
  state.modules.output.broadcast(event);
  return accept(undefined);
}

type IssuedFields<M extends CriticalEvent> = Omit<
  UnsignedMessage<M>,
  'version' | 'id' | 'timestamp' | 'origin' | 'originKey'
>;

/** Signs, applies and gossips a critical event made here (revocation, alert). */
export function issueCritical<M extends Revocation | SecurityAlert>(
  state: EngineState,
  fields: IssuedFields<M>,
): Verified<M> {
  const event = markVerified(signOwn<M>(state, fields as never));
  applyCritical(state, event);
  state.modules.output.broadcast(event);
  return event;
}

/** Moves this node to a new key: signed by both keys, applied here, gossiped at once. */
export function rotateKey(state: EngineState, newSigner: Signer): Verified<KeyRotation> {
  const unsigned = {
    ...envelope(state, 'KEY_ROTATION'),
    priority: 'CRITICAL',
    newNodeId: newSigner.nodeId,
    newPublicKey: newSigner.publicKey,
  } as UnsignedMessage<KeyRotation>;
  const rotation = markVerified(signKeyRotation(state.signer, newSigner, state.networkId, unsigned));
  markSeen(state, rotation);
  applyCritical(state, rotation);
  state.modules.output.broadcast(rotation);
  state.signer = newSigner;
  state.ownRotation = rotation;
  return rotation;
}
