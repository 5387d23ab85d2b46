// Signature checks for live messages, with equivocation detection: a member that signs two different
// messages under one (type, id), or two conflicting votes, is accused with both as evidence.
import { conflicts } from '../critical/evidence.js';
import { ignore, type Outcome } from '../outcome.js';
import { type SignedMessage, signerOf } from '../signing.js';
import { blacklist } from './critical.js';
import { commitContext, type EngineState, nowOf } from './state.js';

/** Accepts with the message's signed-bytes digest, or says why not. */
export function verifySigned(state: EngineState, message: SignedMessage): Outcome<string> {
  const verified = state.verifier.verify(message);
  if (verified.kind !== 'accept') return verified;
  const signer = signerOf(message).nodeId;
  // Only members' messages are kept: they are the ones whose equivocation matters, and it bounds the memory.
  if (!state.registry.isMember(signer)) return verified;
  const now = nowOf(state);
  const key = `${signer}:${message.type}:${message.id}`;
  const held = state.recent.get(key, now);
  if (held === undefined) {
    state.recent.set(key, message, now);
    return verified;
  }
  if (!conflicts(commitContext(state), held, message)) return verified;
  blacklist(state, signer, 'EQUIVOCATION', [held, message]);
  return ignore('TM_ERR_BLACKLISTED', 'equivocation detected');
}
