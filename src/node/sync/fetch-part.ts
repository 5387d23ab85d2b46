// Fetching one block part from one peer, page by page, each page checked by a PartAssembler; the whole part is
// then imported entry by entry (engine.importEntry) in one transaction that also records it applied.
// With a SignatureVerifier (worker pool) the part's signatures are checked on it first, so the imports hit the cache.
import type { Crypto } from '../../core/crypto.js';
import type { MeshEngine } from '../../core/engine/engine.js';
import type { ErrorCode } from '../../core/errors.js';
import type { LedgerEntry, SyncResponse } from '../../core/messages/schemas.js';
import type { SignatureVerifier } from '../../core/signature-verifier.js';
import type { SignatureCheck } from '../../core/signing.js';
import type { EpochClock } from '../../core/sync/blocks.js';
import type { Assignment, FailureKind } from '../../core/sync/plan.js';
import { PartAssembler } from '../../core/sync/receive.js';
import type { PreparedMessage } from '../../core/verifier.js';
import type { RequestOutcome } from '../../net/reqresp/interface.js';
import type { SyncTables } from '../../store/sync-tables.js';
import type { StoreSyncView } from './ledger-view.js';

export interface PartFetchDeps {
  readonly crypto: Crypto;
  readonly epochs: EpochClock;
  readonly engine: MeshEngine;
  /** Checks a part's signatures before its import (off the event loop when a pool); null: the import checks. */
  readonly verifier: SignatureVerifier | null;
  readonly tables: SyncTables;
  /** Told of parts imported whole into empty parts, so it takes their proved roots instead of hashing again. */
  readonly view: Pick<StoreSyncView, 'beforeImport' | 'adoptPart'>;
  readonly atomically: <T>(what: string, work: () => T) => T;
  readonly askBlock: (
    peerId: string,
    request: { height: number; part: Assignment['part']; offset: number },
  ) => Promise<RequestOutcome<SyncResponse>>;
  /** Whether the peer still holds the assignment (it loses it when it fails on another one). */
  readonly stillAssigned: (peerId: string) => boolean;
}

/** How a fetch ended: applied (with entries imported), abandoned (the peer lost it), or the peer's fault. */
export type PartResult =
  | { readonly kind: 'applied'; readonly entries: number }
  | { readonly kind: 'abandoned' }
  | {
      readonly kind: 'failed';
      readonly failure: FailureKind;
      readonly code: ErrorCode;
      readonly detail: string;
      /** The peer served an entry that does not verify: a provable forgery. */
      readonly forged: boolean;
    };

const failed = (failure: FailureKind, code: ErrorCode, detail: string, forged = false): PartResult => ({
  kind: 'failed',
  failure,
  code,
  detail,
  forged,
});

export async function fetchPart(deps: PartFetchDeps, assignment: Assignment): Promise<PartResult> {
  const { height, root, part, peerId } = assignment;
  const assembler = new PartAssembler(deps.crypto, deps.epochs, height, root, part);
  const entries: LedgerEntry[] = [];
  while (!assembler.complete) {
    if (!deps.stillAssigned(peerId)) return { kind: 'abandoned' };
    const outcome = await deps.askBlock(peerId, { height, part, offset: assembler.offset });
    if (outcome.kind === 'failed') return failed('timeout', outcome.code, outcome.detail);
    const page = outcome.response;
    if (page.type !== 'SYNC_BLOCK') {
      const code = page.type === 'SYNC_REFUSED' ? 'TM_ERR_SYNC_ANSWER_INVALID' : 'TM_ERR_SYNC_ANSWER_INVALID';
      return failed('invalid', code, page.type === 'SYNC_REFUSED' ? `refused: ${page.code}` : page.type);
    }
    const accepted = assembler.accept(page);
    if (accepted.kind !== 'accept') return failed('invalid', accepted.code, accepted.detail ?? '');
    entries.push(...accepted.value);
  }
  if (!deps.stillAssigned(peerId)) return { kind: 'abandoned' };
  if (deps.verifier !== null) {
    await verifyAhead(deps.engine, deps.verifier, entries);
    if (!deps.stillAssigned(peerId)) return { kind: 'abandoned' };
  }
  const mark = deps.view.beforeImport(height, part);
  const result = deps.atomically('applying a synced block part', () => {
    for (const entry of entries) {
      const imported = deps.engine.importEntry(entry);
      // An ignored entry is signed but not acceptable here (an origin this node does not know): no proof of
      // lying, and asking again would bring the same answer, so the part still counts as applied.
      if (imported.kind === 'reject')
        return failed('invalid', imported.code, imported.detail ?? `${entry.type} ${entry.id}`, true);
    }
    deps.tables.markApplied(height, root, part);
    return { kind: 'applied', entries: entries.length } as const;
  });
  const proved = assembler.proved;
  if (result.kind === 'applied' && mark !== null && proved !== null)
    deps.view.adoptPart(mark, proved.root, proved.count);
  return result;
}

/** Checks per verifier batch: enough to amortise a worker round trip, small enough to spread over the pool. */
const CHECKS_PER_BATCH = 256;

/**
 * Verifies what importing `entries` would verify, in batches on `verifier`, and settles the results into the
 * engine's MessageVerifier so each import's check is a cache hit. A failed verifier leaves the checks to the import.
 */
export async function verifyAhead(
  engine: MeshEngine,
  verifier: SignatureVerifier,
  entries: readonly LedgerEntry[],
): Promise<void> {
  const messages = engine.verifier;
  const batches: Array<{ prepared: PreparedMessage[]; checks: SignatureCheck[] }> = [];
  let batch: (typeof batches)[number] = { prepared: [], checks: [] };
  for (const entry of entries) {
    for (const message of engine.signaturesAhead(entry)) {
      const ready = messages.prepare(message);
      if (ready === null || ready.checks.length === 0) continue;
      batch.prepared.push(ready);
      batch.checks.push(...ready.checks);
      if (batch.checks.length >= CHECKS_PER_BATCH) {
        batches.push(batch);
        batch = { prepared: [], checks: [] };
      }
    }
  }
  if (batch.checks.length > 0) batches.push(batch);
  await Promise.all(
    batches.map(async ({ prepared, checks }) => {
      const results = await verifier.verifyBatch(checks).catch(() => null);
      if (results === null) return;
      let at = 0;
      for (const ready of prepared) {
        messages.settle(ready, results.slice(at, at + ready.checks.length));
        at += ready.checks.length;
      }
    }),
  );
}
