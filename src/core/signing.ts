// The signing rule, in one place: what bytes a message's signature covers, who signed it, and how it is checked.
// Bytes = "TRUST-MESH/1\n" + networkId + "\n" + RFC 8785 canonical JSON of the message without its signature fields.
import canonicalize from 'canonicalize';
import type { Crypto } from './crypto.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './crypto.js';
import { fromBase64, toBase64, toHex, utf8 } from './encoding.js';
import type {
  Blacklist,
  Commit,
  KeyRotation,
  PeerAnnounce,
  Revocation,
  SecurityAlert,
  TrustUpdate,
  Vote,
} from './messages/schemas.js';
import { accept, type Failure, type Outcome, reject } from './outcome.js';

export const SIGNING_DOMAIN = 'TRUST-MESH/1';

/** Every message that carries its origin's signature and may travel more than one hop. */
export type SignedMessage =
  | TrustUpdate
  | Vote
  | Commit
  | Revocation
  | KeyRotation
  | SecurityAlert
  | Blacklist
  | PeerAnnounce;

/** Holds a node's secret key; the core only ever asks it to sign bytes. */
export interface Signer {
  readonly nodeId: string;
  /** base64 raw public key */
  readonly publicKey: string;
  sign(bytes: Uint8Array): Uint8Array;
}

export interface SignerRef {
  readonly nodeId: string;
  readonly publicKey: string;
}

/** Strips one message's signature fields: the payload's for updates and revocations, both for a key rotation. */
type Unsigned<M> = M extends TrustUpdate
  ? Omit<M, 'payload'> & { payload: Omit<M['payload'], 'signature'> }
  : M extends Revocation
    ? Omit<M, 'payload'> & { payload: Omit<M['payload'], 'signature'> }
    : M extends KeyRotation
      ? Omit<M, 'signature' | 'newSignature'>
      : Omit<M, 'signature'>;
export type UnsignedMessage<M extends SignedMessage = SignedMessage> = Unsigned<M>;

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

export function signingBytes(networkId: string, unsigned: object): Uint8Array {
  return utf8(`${SIGNING_DOMAIN}\n${networkId}\n${canonicalJson(unsigned)}`);
}

export function signerOf(message: SignedMessage): SignerRef {
  return message.type === 'PEER_ANNOUNCE'
    ? { nodeId: message.nodeId, publicKey: message.publicKey }
    : { nodeId: message.origin, publicKey: message.originKey };
}

export function signatureOf(message: SignedMessage): string {
  return message.type === 'TRUST_UPDATE' || message.type === 'REVOCATION'
    ? message.payload.signature
    : message.signature;
}

export function unsignedView<M extends SignedMessage>(message: M): UnsignedMessage<M> {
  switch (message.type) {
    case 'TRUST_UPDATE':
    case 'REVOCATION': {
      const { signature: _signature, ...payload } = message.payload;
      return { ...message, payload } as unknown as UnsignedMessage<M>;
    }
    case 'KEY_ROTATION': {
      const { signature: _signature, newSignature: _newSignature, ...rest } = message;
      return rest as unknown as UnsignedMessage<M>;
    }
    default: {
      const { signature: _signature, ...rest } = message as Exclude<SignedMessage, TrustUpdate | Revocation>;
      return rest as unknown as UnsignedMessage<M>;
    }
  }
}

export function messageSigningBytes(networkId: string, message: SignedMessage): Uint8Array {
  return signingBytes(networkId, unsignedView(message));
}

/** Hex SHA-256 of a message's signed bytes: what a vote names to bind itself to one exact update. */
export function messageDigest(crypto: Crypto, networkId: string, message: SignedMessage): string {
  return toHex(crypto.sha256(messageSigningBytes(networkId, message)));
}

/** Signs an unsigned message as `signer`, putting the signature where its type keeps it. */
export function signMessage<M extends Exclude<SignedMessage, KeyRotation>>(
  signer: Signer,
  networkId: string,
  unsigned: UnsignedMessage<M>,
): M {
  const signature = toBase64(signer.sign(signingBytes(networkId, unsigned)));
  const draft = unsigned as unknown as { type: string; payload?: object };
  if (draft.type === 'TRUST_UPDATE' || draft.type === 'REVOCATION') {
    return { ...draft, payload: { ...draft.payload, signature } } as unknown as M;
  }
  return { ...draft, signature } as unknown as M;
}

/** A key rotation is signed by the retiring key (`signature`) and the new key (`newSignature`) over the same bytes. */
export function signKeyRotation(
  oldSigner: Signer,
  newSigner: Signer,
  networkId: string,
  unsigned: UnsignedMessage<KeyRotation>,
): KeyRotation {
  const bytes = signingBytes(networkId, unsigned);
  return {
    ...unsigned,
    signature: toBase64(oldSigner.sign(bytes)),
    newSignature: toBase64(newSigner.sign(bytes)),
  };
}

/** Checks that a public key hashes to the claimed node id. */
export function nodeIdMatchesKey(crypto: Crypto, nodeId: string, publicKey: string): boolean {
  const key = fromBase64(publicKey, PUBLIC_KEY_BYTES);
  return key !== null && toHex(crypto.sha256(key)) === nodeId;
}

export function nodeIdOf(crypto: Crypto, publicKey: Uint8Array): string {
  return toHex(crypto.sha256(publicKey));
}

/** Verifies a base64 signature over bytes with a base64 key; malformed input simply fails. */
export function verifyDetached(
  crypto: Crypto,
  signature: string,
  bytes: Uint8Array,
  publicKey: string,
): boolean {
  const sig = fromBase64(signature, SIGNATURE_BYTES);
  const key = fromBase64(publicKey, PUBLIC_KEY_BYTES);
  return sig !== null && key !== null && crypto.verify(sig, bytes, key);
}

/** One Ed25519 check: a signature over bytes with a raw public key. */
export interface SignatureCheck {
  readonly signature: Uint8Array;
  readonly message: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * What verifying a message takes, in check order: structural failures (a key that is not its node id, a
 * signature that is not 64 bytes) decide at once; each Ed25519 check decides with its own failure if false.
 */
export type VerificationStep =
  | { readonly kind: 'fail'; readonly outcome: Failure }
  | { readonly kind: 'check'; readonly check: SignatureCheck; readonly failure: Failure };

export function verificationSteps(
  crypto: Crypto,
  message: SignedMessage,
  bytes: Uint8Array,
): VerificationStep[] {
  const steps: VerificationStep[] = [];
  const signer = signerOf(message);
  const signed = (signature: string, publicKey: string, failure: Failure): VerificationStep => {
    const sig = fromBase64(signature, SIGNATURE_BYTES);
    const key = fromBase64(publicKey, PUBLIC_KEY_BYTES);
    if (sig === null || key === null) return { kind: 'fail', outcome: failure };
    return { kind: 'check', check: { signature: sig, message: bytes, publicKey: key }, failure };
  };
  if (!nodeIdMatchesKey(crypto, signer.nodeId, signer.publicKey)) {
    return [{ kind: 'fail', outcome: reject('TM_ERR_NODE_ID_MISMATCH') }];
  }
  const own = reject('TM_ERR_SIG_INVALID', `${message.type} from ${signer.nodeId.slice(0, 12)}`);
  steps.push(signed(signatureOf(message), signer.publicKey, own));
  if (message.type === 'KEY_ROTATION') {
    steps.push(
      nodeIdMatchesKey(crypto, message.newNodeId, message.newPublicKey)
        ? signed(
            message.newSignature,
            message.newPublicKey,
            reject('TM_ERR_ROTATION_INVALID', 'newSignature does not verify'),
          )
        : { kind: 'fail', outcome: reject('TM_ERR_NODE_ID_MISMATCH') },
    );
  }
  return steps;
}

/** The outcome of a message's steps given each check's result (in step order, checks only). */
export function settleSteps(steps: readonly VerificationStep[], results: readonly boolean[]): Outcome<void> {
  let next = 0;
  for (const step of steps) {
    if (step.kind === 'fail') return step.outcome;
    if (!results[next++]) return step.failure;
  }
  return accept(undefined);
}

/**
 * Checks a signed message on its own: signer id matches key, signature(s) verify. Never throws. `bytes` are the
 * message's signed bytes when the caller already has them.
 */
export function verifyMessage(
  crypto: Crypto,
  networkId: string,
  message: SignedMessage,
  bytes: Uint8Array = messageSigningBytes(networkId, message),
): Outcome<void> {
  const steps = verificationSteps(crypto, message, bytes);
  const results: boolean[] = [];
  for (const step of steps) {
    if (step.kind === 'fail') break;
    const { signature, message: signed, publicKey } = step.check;
    const ok = crypto.verify(signature, signed, publicKey);
    results.push(ok);
    if (!ok) break;
  }
  return settleSteps(steps, results);
}
