// Signs a mutated message again, as a member, an outsider or for another network, so the fuzzer gets past the
// signature check and reaches the semantic rules behind it (stake, freshness, evidence, rotation, quorum).
import fc from 'fast-check';
import type { Commit, KeyRotation, TrustUpdate } from '../../src/core/messages/schemas.js';
import {
  type SignedMessage,
  type Signer,
  signKeyRotation,
  signMessage,
  type UnsignedMessage,
  unsignedView,
} from '../../src/core/signing.js';
import { type FuzzWorld, OUTSIDER, ROTATION_TARGET } from './fuzz-samples.js';

export interface ResignChoice {
  /** Test key that signs: the receiver itself (0), members 1–4, or an outsider. */
  readonly signer: number;
  /** Key a rotation moves to: a fresh one, or (invalidly) an existing identity. */
  readonly newKey: number;
  readonly otherNetwork: boolean;
  /** For a COMMIT: sign its update again too, as the same signer, so origin and update origin agree. */
  readonly inner: boolean;
}

export const resignChoice: fc.Arbitrary<ResignChoice> = fc.record({
  signer: fc.constantFrom(0, 1, 2, 3, 4, OUTSIDER),
  newKey: fc.constantFrom(ROTATION_TARGET, 9, 1, 4, OUTSIDER),
  otherNetwork: fc.oneof(
    { arbitrary: fc.constant(false), weight: 4 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
  inner: fc.boolean(),
});

function withSigner<M extends SignedMessage>(message: M, signer: Signer): M {
  if (message.type === 'PEER_ANNOUNCE')
    return { ...message, nodeId: signer.nodeId, publicKey: signer.publicKey };
  return { ...message, origin: signer.nodeId, originKey: signer.publicKey };
}

export function resign(world: FuzzWorld, message: SignedMessage, choice: ResignChoice): SignedMessage {
  const { maker } = world;
  const signer = maker.signer(choice.signer);
  const networkId = choice.otherNetwork ? 'other-net' : maker.networkId;
  let draft = withSigner(message, signer);
  if (draft.type === 'COMMIT' && choice.inner) {
    const update = withSigner(draft.update, signer);
    draft = {
      ...draft,
      update: signMessage<TrustUpdate>(
        signer,
        networkId,
        unsignedView(update) as UnsignedMessage<TrustUpdate>,
      ),
    } satisfies Commit;
  }
  if (draft.type === 'KEY_ROTATION') {
    const next = maker.signer(choice.newKey);
    const unsigned = unsignedView({ ...draft, newNodeId: next.nodeId, newPublicKey: next.publicKey });
    return signKeyRotation(signer, next, networkId, unsigned as UnsignedMessage<KeyRotation>);
  }
  return signMessage(signer, networkId, unsignedView(draft) as never);
}
