// The challenge-response handshake: each side sends a HANDSHAKE with a fresh nonce and must sign the other's.
// Pure checks and message builders; the connection state machine that drives them lives in src/net/peers/.
import { workBits } from './admission/work.js';
import type { Crypto } from './crypto.js';
import { toBase64 } from './encoding.js';
import type { ErrorCode } from './errors.js';
import { PROTOCOL_VERSION } from './messages/fields.js';
import type { Handshake, HandshakeAck } from './messages/schemas.js';
import type { NodeRegistry } from './nodes/registry.js';
import { nodeIdMatchesKey, type Signer, signingBytes, verifyDetached } from './signing.js';

export interface HandshakeExpectations {
  readonly networkId: string;
  readonly selfId: string;
  readonly registry: NodeRegistry;
  /** Pinned key of the bootstrap node being dialled, if the network file pins one. */
  readonly pinnedKey?: string | undefined;
  /** Proof-of-work bits a non-member must show (the network's admissionWorkBits). */
  readonly workBits: number;
}

export function createHandshake(
  signer: Signer,
  networkId: string,
  nonce: Uint8Array,
  capabilities: readonly string[],
  endpoints: readonly string[],
  agent: string,
  work?: string,
): Handshake {
  return {
    type: 'HANDSHAKE',
    version: PROTOCOL_VERSION,
    networkId,
    nodeId: signer.nodeId,
    publicKey: signer.publicKey,
    capabilities: [...capabilities],
    nonce: toBase64(nonce),
    endpoints: [...endpoints],
    agent,
    ...(work === undefined ? {} : { work }),
  };
}

/** Why a peer's HANDSHAKE is refused, before any signature work; null when it may proceed. */
export function handshakeProblem(
  crypto: Crypto,
  handshake: Handshake,
  expect: HandshakeExpectations,
): ErrorCode | null {
  if (handshake.networkId !== expect.networkId) return 'TM_ERR_NETWORK_MISMATCH';
  if (!nodeIdMatchesKey(crypto, handshake.nodeId, handshake.publicKey)) return 'TM_ERR_NODE_ID_MISMATCH';
  if (handshake.nodeId === expect.selfId) return 'TM_ERR_SELF_CONNECTION';
  if (expect.pinnedKey !== undefined && expect.pinnedKey !== handshake.publicKey)
    return 'TM_ERR_BOOTSTRAP_KEY_MISMATCH';
  if (expect.registry.isBlacklisted(handshake.nodeId)) return 'TM_ERR_BLACKLISTED';
  if (expect.registry.rotationOf(handshake.nodeId)) return 'TM_ERR_KEY_ROTATED';
  if (
    expect.workBits > 0 &&
    !expect.registry.isMember(handshake.nodeId) &&
    workBits(crypto, expect.networkId, handshake.nodeId, handshake.work ?? '') < expect.workBits
  )
    return 'TM_ERR_ADMISSION_WORK';
  return null;
}

/** What an ACK signs: the challenger's nonce, bound to both node ids so it cannot be relayed to a third node. */
function ackBytes(networkId: string, signerId: string, peerId: string, peerNonce: string): Uint8Array {
  return signingBytes(networkId, {
    type: 'HANDSHAKE_ACK',
    nodeId: signerId,
    peerNodeId: peerId,
    nonce: peerNonce,
  });
}

export function createAck(signer: Signer, networkId: string, peer: Handshake): HandshakeAck {
  const signature = signer.sign(ackBytes(networkId, signer.nodeId, peer.nodeId, peer.nonce));
  return { type: 'HANDSHAKE_ACK', version: PROTOCOL_VERSION, signature: toBase64(signature) };
}

/** True when `ack` is the peer's signature over the nonce this node sent it. */
export function verifyAck(
  crypto: Crypto,
  networkId: string,
  ack: HandshakeAck,
  peer: Handshake,
  self: Handshake,
): boolean {
  return verifyDetached(
    crypto,
    ack.signature,
    ackBytes(networkId, peer.nodeId, self.nodeId, self.nonce),
    peer.publicKey,
  );
}
