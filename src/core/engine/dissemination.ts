// Spreading gossip: proposals and commits over their origin's dissemination tree (core/gossip/tree.ts) with lazy
// repair; critical events and announces to every neighbour at once. PRUNE, IHAVE and GRAFT are handled here.
import { PROTOCOL_VERSION } from '../messages/fields.js';
import type { Graft, IHave, MessageType, Prune } from '../messages/schemas.js';
import { accept, type Outcome } from '../outcome.js';
import type { SignedMessage } from '../signing.js';
import { type EngineState, nowOf, seenKey } from './state.js';

/**
 * Proposals and commits ride their origin's tree. Critical events flood: they are rare and bounded by their
 * origins' budgets (60 a minute each). So do PEER_ANNOUNCEs: any node makes them, at most 10 a minute (one per 10
 * minutes normally), and a tree per announcing node would cost more state than the copies it saves.
 */
export const onTree = (type: MessageType): boolean => type === 'TRUST_UPDATE' || type === 'COMMIT';

/**
 * Sends a message handled here for the first time (`from` null when made here) onward: tree messages to the
 * eager neighbours that do not hold it, critical events to every neighbour but the sender.
 */
export function spread(state: EngineState, message: SignedMessage, from: string | null): void {
  const { output } = state.modules;
  if (!onTree(message.type)) {
    output.broadcast(message, from === null ? undefined : new Set([from]));
    return;
  }
  const origin = (message as { origin: string }).origin;
  output.broadcast(message, state.tree.accepted(seenKey(message), origin, message, from, nowOf(state)));
}

/** A copy of a message of `origin` handled before came from `peerId`: that link leaves the origin's tree. */
export function duplicateFrom(
  state: EngineState,
  peerId: string,
  type: MessageType,
  origin: string,
  key: string | null,
): void {
  if (!onTree(type)) return;
  if (state.tree.duplicate(key, origin, peerId, nowOf(state)))
    state.modules.output.send(peerId, { type: 'PRUNE', version: PROTOCOL_VERSION, origin });
  graftIfCut(state, origin, peerId);
}

export function handlePrune(state: EngineState, from: string, message: Prune): Outcome<unknown> {
  state.tree.pruned(from, message.origin);
  graftIfCut(state, message.origin, from);
  return accept(undefined);
}

/** A link just went lazy for `origin`: if none is left eager, one is grafted back (GossipTree.graftIfCut). */
function graftIfCut(state: EngineState, origin: string, pruned: string): void {
  const graft = state.tree.graftIfCut(origin, pruned, nowOf(state));
  if (graft !== null)
    state.modules.output.send(graft.peerId, { type: 'GRAFT', version: PROTOCOL_VERSION, ids: graft.ids });
}

export function handleIHave(state: EngineState, from: string, message: IHave): Outcome<unknown> {
  const now = nowOf(state);
  state.tree.announced(from, message.ids, (key) => state.seen.has(key, now), now);
  return accept(undefined);
}

/**
 * A GRAFT: the link is eager again, and the messages asked for that are still cached go to the asker; so do the
 * ids of the other recent messages it may lack — while the link was lazy it heard of them only by chance.
 */
export function handleGraft(state: EngineState, from: string, message: Graft): Outcome<unknown> {
  const { output } = state.modules;
  const now = nowOf(state);
  const asked = new Set(message.ids);
  for (const cached of state.tree.grafted(from, message.ids, now)) output.send(from, cached);
  const ids = state.tree.recentFor(from, message.ids.length === 0, now).filter((id) => !asked.has(id));
  if (ids.length > 0) output.send(from, { type: 'IHAVE', version: PROTOCOL_VERSION, ids });
  return accept(undefined);
}

/** A link opened: eager in every tree, and told the ids of recent messages it is not known to hold. */
export function linkOpened(state: EngineState, peerId: string): void {
  const ids = state.tree.connected(peerId, nowOf(state));
  if (ids.length > 0) state.modules.output.send(peerId, { type: 'IHAVE', version: PROTOCOL_VERSION, ids });
}

/** A link closed: if it carried a tree here, every lazy link is grafted back until duplicates prune it again. */
export function peerGone(state: EngineState, peerId: string): void {
  const { output } = state.modules;
  for (const peer of state.tree.disconnected(peerId))
    output.send(peer, { type: 'GRAFT', version: PROTOCOL_VERSION, ids: [] });
}

/** The tree's timed work: a round of IHAVEs to lazy neighbours, and GRAFTs for announced ids overdue. */
export function tickTree(state: EngineState): void {
  const { output } = state.modules;
  const now = nowOf(state);
  const { announce, graft } = state.tree.tick(now, (peerId) => output.isConnected(peerId));
  for (const { peerId, ids } of announce)
    output.send(peerId, { type: 'IHAVE', version: PROTOCOL_VERSION, ids });
  for (const { peerId, ids } of graft) output.send(peerId, { type: 'GRAFT', version: PROTOCOL_VERSION, ids });
  state.tree.prune(now);
}
