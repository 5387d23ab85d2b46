// Checks signatures at most once per node: a bounded cache of (content digest, signature) pairs already judged.
// Signature verification dominates message cost (~50 µs against ~5 µs for everything else), so a hit saves ~90%.
import type { Crypto } from './crypto.js';
import { toHex } from './encoding.js';
import { accept, type Failure, type Outcome } from './outcome.js';
import { RecentMap } from './scoring/recent-map.js';
import {
  messageSigningBytes,
  type SignatureCheck,
  type SignedMessage,
  settleSteps,
  signatureOf,
  type VerificationStep,
  verificationSteps,
} from './signing.js';

export interface VerifierStats {
  /** Signatures actually checked with Ed25519 (here or, ahead of time, by a batch verifier). */
  verified: number;
  /** Checks answered from the cache. */
  cached: number;
  failed: number;
}

/** A message made ready for a batch verifier: the Ed25519 checks it needs, to be settled with their results. */
export interface PreparedMessage {
  readonly key: string;
  readonly digest: string;
  readonly steps: readonly VerificationStep[];
  readonly checks: readonly SignatureCheck[];
}

/** Refusals remembered so that a flood of one badly signed message costs one Ed25519 check, not one each. */
const BAD_CAPACITY = 4_096;

export class MessageVerifier {
  readonly stats: VerifierStats = { verified: 0, cached: 0, failed: 0 };
  /** Keys judged good; looked at without counting as a use, so the oldest generation goes whole when full. */
  private readonly good: RecentMap<true>;
  private readonly bad = new Map<string, Failure>();
  /** Keys of messages prepared ahead, so the engine's check of the same object skips canonical form and hash. */
  private readonly keys = new WeakMap<SignedMessage, { key: string; digest: string }>();

  constructor(
    private readonly crypto: Crypto,
    private readonly networkId: string,
    capacity = 65_536,
  ) {
    this.good = new RecentMap(capacity);
  }

  /** Accepts with the hex digest of the message's signed bytes (what votes bind to), or says why not. */
  verify(message: SignedMessage): Outcome<string> {
    const ahead = this.keys.get(message);
    if (ahead !== undefined) {
      const known = this.known(ahead.key, ahead.digest);
      if (known !== null) return known;
    }
    const bytes = messageSigningBytes(this.networkId, message);
    const digest = toHex(this.crypto.sha256(bytes));
    const key = this.keyOf(message, digest);
    const known = this.known(key, digest);
    if (known !== null) return known;
    const steps = verificationSteps(this.crypto, message, bytes);
    const results: boolean[] = [];
    for (const step of steps) {
      if (step.kind === 'fail') break;
      const { signature, message: signed, publicKey } = step.check;
      const ok = this.crypto.verify(signature, signed, publicKey);
      results.push(ok);
      if (!ok) break;
    }
    return this.settle({ key, digest, steps, checks: [] }, results);
  }

  /**
   * Readies a message for a batch verifier (see SignatureVerifier); null when the cache already knows it. The
   * engine's later `verify` of the same message is then a cache hit.
   */
  prepare(message: SignedMessage): PreparedMessage | null {
    const bytes = messageSigningBytes(this.networkId, message);
    const digest = toHex(this.crypto.sha256(bytes));
    const key = this.keyOf(message, digest);
    this.keys.set(message, { key, digest });
    if (this.isGood(key) || this.bad.has(key)) return null;
    const steps = verificationSteps(this.crypto, message, bytes);
    const checks: SignatureCheck[] = [];
    for (const step of steps) {
      if (step.kind === 'fail') break;
      checks.push(step.check);
    }
    return { key, digest, steps, checks };
  }

  /** Records the results of a prepared message's checks (in order) and says what they mean. */
  settle(prepared: PreparedMessage, results: readonly boolean[]): Outcome<string> {
    const outcome = settleSteps(prepared.steps, results);
    this.stats.verified += results.length;
    if (outcome.kind !== 'accept') {
      this.stats.failed++;
      if (this.bad.size >= BAD_CAPACITY) this.bad.delete(this.bad.keys().next().value!);
      this.bad.set(prepared.key, outcome);
      return outcome;
    }
    this.good.set(prepared.key, true);
    return accept(prepared.digest);
  }

  private isGood(key: string): boolean {
    return this.good.peek(key) !== undefined;
  }

  private known(key: string, digest: string): Outcome<string> | null {
    if (this.isGood(key)) {
      this.stats.cached++;
      return accept(digest);
    }
    const bad = this.bad.get(key);
    if (bad === undefined) return null;
    this.stats.cached++;
    this.stats.failed++;
    return bad;
  }

  // The key binds every signature to the exact signed content, so a copied signature on other content misses.
  private keyOf(message: SignedMessage, digest: string): string {
    const second = message.type === 'KEY_ROTATION' ? `:${message.newSignature}` : '';
    return `${signatureOf(message)}${second}:${digest}`;
  }
}
