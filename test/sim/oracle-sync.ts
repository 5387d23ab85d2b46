// A test-only stand-in for anti-entropy: on every tick it copies ledger entries a neighbour lacks, instantly,
// through MeshEngine.importEntry (so every signature is still checked). Not a protocol: no frames, no cost.
import { ledgerKey } from '../../src/core/ledger.js';
import type { LedgerEntry } from '../../src/core/messages/schemas.js';
import type { SimSync, SimSyncContext } from '../../src/sim/sync-hook.js';

const TYPES: LedgerEntry['type'][] = ['COMMIT', 'REVOCATION', 'KEY_ROTATION', 'SECURITY_ALERT', 'BLACKLIST'];

export class OracleSync implements SimSync {
  readonly name = 'oracle (test only: instant ledger copy over usable links)';
  restored = 0;
  imported = 0;

  linkRestored(): void {
    this.restored++;
  }

  tick(context: SimSyncContext): void {
    for (let a = 0; a < context.nodeCount; a++) {
      for (const b of context.neighbours(a)) if (context.linkUp(b, a)) this.pull(context, a, b);
    }
  }

  /** `to` takes what `from` holds and it does not. */
  private pull(context: SimSyncContext, to: number, from: number): void {
    const receiver = context.node(to);
    const giver = context.node(from);
    if (receiver === null || giver === null) return;
    if (receiver.ledger.stateHash() === giver.ledger.stateHash()) return;
    for (const entry of giver.ledger.entriesOfType(TYPES)) {
      if (receiver.ledger.has(ledgerKey(entry))) continue;
      const outcome = receiver.ledger.transaction(() => receiver.engine.importEntry(entry));
      if (outcome.kind === 'accept') this.imported++;
    }
  }
}
