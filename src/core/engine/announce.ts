// PEER_ANNOUNCE in the engine: checking a neighbour's (cheap checks, work, signature, rate), making this node's.
// The announce book in core/nodes holds them; discovery in the shell reads it.
import { workBits } from '../admission/work.js';
import { PROTOCOL_VERSION } from '../messages/fields.js';
import type { PeerAnnounce } from '../messages/schemas.js';
import { accept, ignore, type Outcome } from '../outcome.js';
import { signMessage, type UnsignedMessage } from '../signing.js';
import { isoTimestamp } from '../time.js';
import { spread } from './dissemination.js';
import { type EngineState, markSeen, nowOf } from './state.js';
import { verifySigned } from './verify.js';

const DEFAULT_ANNOUNCE_INTERVAL_MS = 10 * 60_000;

const workField = (work: string | undefined) => (work === undefined ? {} : { work });

export function handleAnnounce(state: EngineState, announce: PeerAnnounce): Outcome<unknown> {
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

/** Signs a fresh PEER_ANNOUNCE (when due, or when `force`) and gossips it. */
export function announceSelf(state: EngineState, validator: boolean, force: boolean): void {
  const now = nowOf(state);
  const interval = state.options.announceIntervalMs ?? DEFAULT_ANNOUNCE_INTERVAL_MS;
  if (!force && now - state.lastAnnounceAt < interval) return;
  state.lastAnnounceAt = now;
  const { nodeType } = state.options;
  const capabilities = [
    nodeType === 'light' ? 'LIGHT_NODE' : 'FULL_NODE',
    ...(nodeType === 'bridge' ? ['BRIDGE_NODE'] : []),
    ...(validator ? ['VALIDATOR'] : []),
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
  spread(state, announce, null);
}
