// How a node turns engine events into metrics, logs and its own public events. Events are deferred to after the
// turn's transaction (see TrustMeshNode.defer), so nothing is reported that is not already on disk.
import type { ProposalRecord } from '../core/consensus/proposals.js';
import type { EngineEvents } from '../core/engine/types.js';
import type { PeerAnnounce } from '../core/messages/schemas.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics.js';
import { logCritical } from './node-log.js';
import type { NodeEvents } from './types.js';

export interface EngineEventHooks {
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
  /** Runs `work` after the current turn has committed, and not at all if it failed. */
  readonly defer: (work: () => void) => void;
  readonly emit: <K extends keyof NodeEvents>(event: K, ...args: NodeEvents[K]) => void;
  readonly wantsMessages: () => boolean;
  readonly settled: (record: ProposalRecord) => void;
  readonly rotated: (fromId: string, toId: string) => void;
  readonly queryResult: NonNullable<EngineEvents['queryResult']>;
  /** NODES answers and accepted PEER_ANNOUNCEs, for discovery. */
  readonly nodes?: NonNullable<EngineEvents['nodes']>;
  readonly announced?: (peerId: string, announce: PeerAnnounce) => void;
  readonly sync: NonNullable<EngineEvents['sync']>;
}

export function engineEvents(hooks: EngineEventHooks): EngineEvents {
  const { metrics, defer, emit, logger } = hooks;
  return {
    committed: (commit, proposedHere) => {
      metrics.commits.inc();
      defer(() => emit('committed', commit, proposedHere));
    },
    proposalSettled: (record) => {
      metrics.proposals.inc({ state: record.state });
      if (record.state === 'committed' && record.settledAt !== undefined) {
        metrics.commitLatency.observe((record.settledAt - record.createdAt) / 1000);
      }
      defer(() => hooks.settled(record));
    },
    critical: (event) => {
      metrics.critical.inc({ type: event.type });
      defer(() => {
        logCritical(logger, event);
        emit('critical', event);
      });
    },
    rotated: (fromId, toId) => {
      hooks.rotated(fromId, toId);
      defer(() => emit('rotated', fromId, toId));
    },
    blacklisted: (nodeId) => defer(() => emit('blacklisted', nodeId)),
    queryResult: hooks.queryResult,
    ...(hooks.nodes === undefined ? {} : { nodes: hooks.nodes }),
    sync: hooks.sync,
    accepted: (peerId, message) => {
      if (message.type === 'PEER_ANNOUNCE') hooks.announced?.(peerId, message);
      if (hooks.wantsMessages()) defer(() => emit('message', message, peerId));
    },
    dropped: (peerId, type, outcome) => {
      metrics.dropped.inc({ type, outcome: outcome.kind, code: outcome.code });
      const level = outcome.kind === 'reject' ? 'warn' : 'debug';
      // Checked first: a flood of ignored messages would build a log record per message only to discard it.
      if (logger.isLevelEnabled(level))
        logger[level](
          { peer: peerId.slice(0, 12), type, code: outcome.code, detail: outcome.detail },
          'message dropped',
        );
      defer(() => emit('dropped', peerId, type, outcome.kind, outcome.code));
    },
  };
}
