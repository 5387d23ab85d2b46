// Which signatures handling a message will check, known before the turn: the shell verifies them ahead, in
// batches and off the main thread, and the engine's own check then hits the verifier's cache.

import { weightedVotes } from '../consensus/commit.js';
import { isFresh } from '../consensus/judge.js';
import { expandVote, isQuorum } from '../consensus/votes.js';
import { MESSAGE_INFO } from '../messages/registry.js';
import type { Commit, Message } from '../messages/schemas.js';
import { messageDigest, type SignedMessage } from '../signing.js';
import { parseTimestamp } from '../time.js';
import { commitContext, type EngineState, nowOf, seenKey } from './state.js';

/**
 * The signed messages `handle(message)` would verify. Mirrors only the cheap refusals that spare the engine a
 * signature check (duplicates, unknown or blacklisted origins, weightless votes), so that no work is done ahead
 * that the engine would not do; anything missed here is simply verified in the turn as before.
 */
export function signaturesAhead(state: EngineState, message: Message): SignedMessage[] {
  if (MESSAGE_INFO[message.type].scope === 'link') return [];
  const signed = message as SignedMessage;
  if (state.seen.has(seenKey(signed), nowOf(state))) return [];
  const { registry } = state;
  switch (signed.type) {
    case 'TRUST_UPDATE': {
      const fresh = isFresh(signed, nowOf(state), state.options.network.params.clockSkewMs);
      return fresh && registry.isMember(signed.origin) && !registry.isBlacklisted(signed.origin)
        ? [signed]
        : [];
    }
    case 'PEER_ANNOUNCE': {
      const held = state.announces.get(signed.nodeId);
      return held !== undefined && held.timestamp >= signed.timestamp ? [] : [signed];
    }
    case 'VOTE':
      return registry.isBlacklisted(signed.origin) ? [] : [signed];
    case 'COMMIT': {
      if (!registry.isMember(signed.origin) || registry.rotationOf(signed.origin)) return [];
      return commitSignatures(state, signed);
    }
    default:
      return [signed];
  }
}

/**
 * The commit, its update and the VOTEs its weighted compact votes expand to: the very objects verifyCommit will
 * check (expandVote hands out one object per commit and vote), so the verifier's cache recognises them. Nothing
 * when the cheap checks already refuse it.
 */
function commitSignatures(state: EngineState, commit: Commit): SignedMessage[] {
  const at = parseTimestamp(commit.update.timestamp);
  if (at === null) return [];
  const context = commitContext(state);
  const weighted = weightedVotes(commit, at, context);
  if (weighted.kind !== 'accept') return [];
  if (!isQuorum(weighted.value.acceptWeight, state.registry.totalActiveStake(at))) return [];
  const digest = messageDigest(context.crypto, context.networkId, commit.update);
  const votes = weighted.value.votes.map(({ index, voter, key }) =>
    expandVote(commit, index, voter, digest, key),
  );
  return [commit, commit.update, ...votes];
}
