// What a node says in its logs about consensus outcomes and critical events: one line each, fields first.
import type { ProposalRecord } from '../core/consensus/proposals.js';
import type { CriticalEvent } from '../core/messages/schemas.js';
import type { Logger } from '../log.js';

const short = (id: string) => id.slice(0, 12);

/** A proposal made here settled: committed (info) or rejected/expired (warn, with the validators' reasons). */
export function logSettled(logger: Logger, record: ProposalRecord): void {
  const { agentId, principalId, trustScore, event } = record.update.payload;
  const ms = (record.settledAt ?? record.createdAt) - record.createdAt;
  if (record.state === 'committed') {
    logger.info(
      { id: record.id, agentId, principalId, trustScore, event, votes: record.votes, ms },
      'update committed',
    );
  } else {
    logger.warn(
      { id: record.id, agentId, principalId, rejection: record.rejection, reasons: record.reasons, ms },
      'update rejected',
    );
  }
}

export function logCritical(logger: Logger, event: CriticalEvent): void {
  switch (event.type) {
    case 'REVOCATION': {
      const { agentId, principalId, reason } = event.payload;
      logger.info({ agentId, principalId, reason, origin: short(event.origin) }, 'revocation applied');
      break;
    }
    case 'SECURITY_ALERT':
      logger.warn(
        {
          severity: event.severity,
          subject: event.subject,
          summary: event.summary,
          origin: short(event.origin),
        },
        'security alert',
      );
      break;
    case 'KEY_ROTATION':
      logger.info({ from: short(event.origin), to: short(event.newNodeId) }, 'key rotation applied');
      break;
    case 'BLACKLIST':
      logger.warn(
        { offender: short(event.offender), reason: event.reason, by: short(event.origin) },
        'node blacklisted',
      );
      break;
  }
}
