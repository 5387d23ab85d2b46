// Builds real ledger entries for tests: commits with signed quorum votes (compact, as a COMMIT carries them),
// revocations and other critical events, each signed by the real signing code with deterministic test keys.
import { compactVotes, voteIdOf } from '../../src/core/consensus/votes.js';
import type { Crypto } from '../../src/core/crypto.js';
import { PROTOCOL_VERSION, type TrustEvent } from '../../src/core/messages/fields.js';
import type {
  Blacklist,
  Commit,
  KeyRotation,
  Revocation,
  SecurityAlert,
  TrustUpdate,
  Vote,
} from '../../src/core/messages/schemas.js';
import type { Network } from '../../src/core/network.js';
import { messageDigest, type Signer, signKeyRotation, signMessage } from '../../src/core/signing.js';
import { isoTimestamp } from '../../src/core/time.js';
import { markVerified, type Verified } from '../../src/core/verified.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { CountingEntropy, ManualClock, testNetwork, testSigner } from './fixtures.js';

export interface Subject {
  agentId: string;
  principalId: string;
}

export interface CommitOptions {
  trustScore?: number;
  event?: TrustEvent;
  /** Defaults to the clock's time. */
  timestamp?: string;
  updateId?: string;
  commitId?: string;
  /** Index of the test signer that proposes and commits. */
  origin?: number;
  /** Indexes of the accepting voters; defaults to every validator of the network. */
  voters?: readonly number[];
  /** Ledger keys of revocations a REINSTATEMENT lifts. */
  lifts?: string[];
}

export interface RevocationOptions {
  timestamp?: string;
  id?: string;
  origin?: number;
  reason?: string;
}

/** Makes signed entries for one test network (three validators of equal stake unless told otherwise). */
export class EntryMaker {
  readonly crypto: Crypto = sodiumCrypto;
  readonly network: Network;
  readonly clock: ManualClock;
  readonly entropy: CountingEntropy;
  private readonly signers = new Map<number, Signer>();

  constructor(options: { network?: Network; clock?: ManualClock; entropy?: CountingEntropy } = {}) {
    this.network = options.network ?? testNetwork([10, 10, 10]);
    this.clock = options.clock ?? new ManualClock();
    this.entropy = options.entropy ?? new CountingEntropy();
  }

  get networkId(): string {
    return this.network.networkId;
  }

  update(subject: Subject, options: CommitOptions = {}): TrustUpdate {
    const origin = this.signer(options.origin ?? 0);
    return signMessage<TrustUpdate>(origin, this.networkId, {
      ...this.envelope('TRUST_UPDATE', origin, options.updateId, options.timestamp),
      payload: {
        agentId: subject.agentId,
        principalId: subject.principalId,
        trustScore: options.trustScore ?? 500,
        event: options.event ?? 'VERIFICATION_SUCCESS',
        ...(options.lifts === undefined ? {} : { lifts: options.lifts }),
      },
    });
  }

  /** An accepting vote on `update`, dated now unless `timestamp` says otherwise. */
  vote(update: TrustUpdate, voter: Signer, timestamp?: string): Vote {
    const updateDigest = messageDigest(this.crypto, this.networkId, update);
    return signMessage<Vote>(voter, this.networkId, {
      ...this.envelope('VOTE', voter, undefined, timestamp),
      id: voteIdOf(updateDigest),
      updateId: update.id,
      updateOrigin: update.origin,
      updateDigest,
      decision: 'accept',
    });
  }

  /** Commits an update (a new one unless given) with accepting votes from `voters`. */
  commit(
    subject: Subject,
    options: CommitOptions = {},
    update = this.update(subject, options),
  ): Verified<Commit> {
    const origin = this.signer(options.origin ?? 0);
    const voters = options.voters ?? this.network.nodes.map((_, index) => index);
    return markVerified(
      signMessage<Commit>(origin, this.networkId, {
        ...this.envelope('COMMIT', origin, options.commitId),
        update,
        votes: compactVotes(
          voters.map((index) => this.vote(update, this.signer(index))),
          update,
        ),
      }),
    );
  }

  /** A second, different commit of the same update: what an equivocating origin could gossip. */
  recommit(
    commit: Commit,
    options: { commitId?: string; voters?: readonly number[] } = {},
  ): Verified<Commit> {
    const subject = commit.update.payload;
    return this.commit(subject, { ...options, origin: this.indexOf(commit.origin) }, commit.update);
  }

  revocation(subject: Subject, options: RevocationOptions = {}): Verified<Revocation> {
    const origin = this.signer(options.origin ?? 0);
    return markVerified(
      signMessage<Revocation>(origin, this.networkId, {
        ...this.envelope('REVOCATION', origin, options.id, options.timestamp),
        priority: 'CRITICAL',
        payload: {
          agentId: subject.agentId,
          principalId: subject.principalId,
          reason: options.reason ?? 'compromised',
        },
      }),
    );
  }

  keyRotation(from: number, to: number): Verified<KeyRotation> {
    const oldSigner = this.signer(from);
    const newSigner = this.signer(to);
    return markVerified(
      signKeyRotation(oldSigner, newSigner, this.networkId, {
        ...this.envelope('KEY_ROTATION', oldSigner),
        priority: 'CRITICAL',
        newNodeId: newSigner.nodeId,
        newPublicKey: newSigner.publicKey,
      }),
    );
  }

  /** A blacklisting backed by one signed message of the offender (the store does not judge evidence). */
  blacklist(accuser: number, offender: number): Verified<Blacklist> {
    const signer = this.signer(accuser);
    const evidence = this.update({ agentId: 'evidence', principalId: 'evidence' }, { origin: offender });
    return markVerified(
      signMessage<Blacklist>(signer, this.networkId, {
        ...this.envelope('BLACKLIST', signer),
        priority: 'CRITICAL',
        offender: this.signer(offender).nodeId,
        reason: 'INVALID_MESSAGE',
        evidence: [evidence as unknown as Record<string, unknown>],
      }),
    );
  }

  alert(origin = 0, summary = 'suspicious agent'): Verified<SecurityAlert> {
    const signer = this.signer(origin);
    return markVerified(
      signMessage<SecurityAlert>(signer, this.networkId, {
        ...this.envelope('SECURITY_ALERT', signer),
        priority: 'CRITICAL',
        severity: 'warning',
        subject: { kind: 'agent', id: 'agent-x' },
        summary,
        evidence: [],
      }),
    );
  }

  private envelope<T extends string>(type: T, signer: Signer, id?: string, timestamp?: string) {
    return {
      type,
      version: PROTOCOL_VERSION,
      id: id ?? this.entropy.messageId(),
      timestamp: timestamp ?? isoTimestamp(this.clock.now()),
      origin: signer.nodeId,
      originKey: signer.publicKey,
    } as const;
  }

  /**
   * Signers are made once per index: each test key lives in sodium_malloc'd guarded pages, and making thousands
   * exhausts the process's memory mappings long before the garbage collector frees them.
   */
  signer(index: number): Signer {
    let signer = this.signers.get(index);
    if (signer === undefined) {
      signer = testSigner(index);
      this.signers.set(index, signer);
    }
    return signer;
  }

  private indexOf(nodeId: string): number {
    const index = this.network.nodes.findIndex((node) => node.nodeId === nodeId);
    if (index < 0) throw new Error(`${nodeId} is not a validator of the test network`);
    return index;
  }
}
