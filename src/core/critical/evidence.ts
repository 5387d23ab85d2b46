// Proof of misbehaviour carried by a BLACKLIST: two conflicting messages, or one signed message that breaks a rule.
// Every node re-checks the proof itself; nothing is taken on the accuser's word.
import { type CommitContext, verifyCommit } from '../consensus/commit.js';
import { contentProblem } from '../consensus/judge.js';
import type { ErrorCode } from '../errors.js';
import { decodeValue } from '../messages/decode.js';
import type { Blacklist, Message } from '../messages/schemas.js';
import { accept, type Outcome, reject } from '../outcome.js';
import { messageDigest, type SignedMessage, signerOf } from '../signing.js';

const SIGNED_TYPES = new Set<Message['type']>([
  'TRUST_UPDATE',
  'VOTE',
  'COMMIT',
  'REVOCATION',
  'KEY_ROTATION',
  'SECURITY_ALERT',
  'BLACKLIST',
  'PEER_ANNOUNCE',
]);

const isSigned = (message: Message): message is SignedMessage => SIGNED_TYPES.has(message.type);

/** Two messages by one signer that cannot both be honest. */
export function conflicts(context: CommitContext, a: SignedMessage, b: SignedMessage): boolean {
  if (signerOf(a).nodeId !== signerOf(b).nodeId) return false;
  const digestA = messageDigest(context.crypto, context.networkId, a);
  const digestB = messageDigest(context.crypto, context.networkId, b);
  if (digestA === digestB) return false;
  // Two votes on one update conflict only when they decide differently: an honest validator asked twice (after
  // a restart, say) answers the same, and a stale replay of a proposal gets no second answer at all. Both carry
  // the one id of votes on that update, so the rule on ids below does not apply to them.
  if (a.type === 'VOTE' && b.type === 'VOTE') {
    return (
      a.updateId === b.updateId &&
      a.updateOrigin === b.updateOrigin &&
      a.updateDigest === b.updateDigest &&
      a.decision !== b.decision
    );
  }
  if (a.type === b.type && a.id === b.id) return true;
  if (a.type === 'COMMIT' && b.type === 'COMMIT') return a.update.id === b.update.id;
  if (a.type === 'KEY_ROTATION' && b.type === 'KEY_ROTATION') return a.newNodeId !== b.newNodeId;
  return false;
}

/** The deterministic rule a signed message breaks, if any (the clock-dependent ones are not proof). */
export function brokenRule(context: CommitContext, message: SignedMessage): ErrorCode | null {
  if (message.type === 'TRUST_UPDATE') return contentProblem(message);
  if (message.type === 'COMMIT') {
    const outcome = verifyCommit(message, context);
    // Only faults inside a commit its origin signed count; a quorum shortfall may be this node's lagging view.
    return outcome.kind === 'reject' ? outcome.code : null;
  }
  return null;
}

export function checkEvidence(blacklist: Blacklist, context: CommitContext): Outcome<void> {
  const messages: SignedMessage[] = [];
  for (const item of blacklist.evidence) {
    const decoded = decodeValue(item);
    if (decoded.kind !== 'accept' || !isSigned(decoded.value))
      return reject('TM_ERR_EVIDENCE_INVALID', 'not a signed message');
    const message = decoded.value;
    if (signerOf(message).nodeId !== blacklist.offender)
      return reject('TM_ERR_EVIDENCE_INVALID', 'not signed by the offender');
    if (context.verifier.verify(message).kind !== 'accept')
      return reject('TM_ERR_EVIDENCE_INVALID', 'signature does not verify');
    messages.push(message);
  }
  if (blacklist.reason === 'EQUIVOCATION') {
    const [a, b] = messages;
    if (a === undefined || b === undefined || !conflicts(context, a, b)) {
      return reject('TM_ERR_EVIDENCE_INVALID', 'messages do not conflict');
    }
    return accept(undefined);
  }
  const [message] = messages;
  if (messages.length !== 1 || message === undefined || brokenRule(context, message) === null) {
    return reject('TM_ERR_EVIDENCE_INVALID', 'message breaks no rule');
  }
  return accept(undefined);
}
