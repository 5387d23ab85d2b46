// What a proposal still marked pending at start-up became: the process stopped before it settled.
// Nothing will count its votes any more, so it is settled from what the ledger holds.
import type { ProposalRecord } from '../core/consensus/proposals.js';
import type { LedgerEntry } from '../core/messages/schemas.js';
import { parseTimestamp } from '../core/time.js';

/** Committed if its commit reached the ledger before the stop (`stored`, under the update's id); else expired. */
export function settleInterrupted(record: ProposalRecord, stored: LedgerEntry | null): ProposalRecord {
  if (stored?.type === 'COMMIT') {
    return {
      ...record,
      state: 'committed',
      commit: stored,
      settledAt: parseTimestamp(stored.timestamp) ?? record.deadline,
    };
  }
  return { ...record, state: 'rejected', rejection: 'TM_ERR_PROPOSAL_EXPIRED', settledAt: record.deadline };
}
