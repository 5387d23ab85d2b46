// What the simulator hears from each engine: stored entries (for fingerprints and invariants), commit and
// revocation arrival times, settled proposals. Also where the partition invariants are checked, at the commit.
import type { EngineEvents } from '../core/engine/types.js';
import { ledgerKey } from '../core/ledger.js';
import { type SignedMessage, signatureOf } from '../core/signing.js';
import type { Simulator } from './simulator.js';

export function observeEngine(sim: Simulator, index: number): EngineEvents {
  return {
    committed: (commit, proposedHere) => {
      const node = sim.nodes[index]!;
      node.noteStored(ledgerKey(commit), commit.signature);
      sim.invariants?.noteChanged(index);
      const key = `${commit.update.origin}:${commit.update.id}`;
      const origin = sim.byId.get(commit.update.origin) ?? -1;
      const proposal = sim.measurements.committed(key, index, sim.now(), proposedHere);
      sim.log.write(
        sim.now(),
        index,
        `committed ${commit.update.id.slice(0, 8)}${proposedHere ? ' (own)' : ''}`,
      );
      if (sim.invariants === null || proposal === undefined) return;
      if (proposedHere) {
        sim.invariants.checkOwnCommit(
          sim.steps,
          sim.now(),
          index,
          proposal.openedAt,
          sim.wire.activePartitions,
        );
      } else if (origin >= 0 && sim.wire.separated(origin, index)) {
        const madeAt = proposal.committedAt ?? Number.POSITIVE_INFINITY;
        if (madeAt > sim.wire.separatedSince(origin, index)) {
          sim.invariants.checkArrivedCommit(sim.steps, sim.now(), index, origin, madeAt);
        }
      }
    },
    critical: (event) => {
      const node = sim.nodes[index]!;
      node.noteStored(ledgerKey(event), signatureOf(event as SignedMessage));
      sim.invariants?.noteChanged(index);
      sim.log.write(sim.now(), index, `applied ${event.type} ${event.id.slice(0, 8)}`);
      if (event.type === 'REVOCATION') {
        sim.measurements.revocationApplied(`${event.origin}:${event.id}`, index, sim.now());
        sim.invariants?.noteRevocation(index, {
          id: event.id,
          agentId: event.payload.agentId,
          principalId: event.payload.principalId,
        });
      }
    },
    proposalSettled: (record) => {
      sim.measurements.settled(`${record.update.origin}:${record.update.id}`, record.state, record.rejection);
      if (record.state !== 'committed') {
        sim.log.write(
          sim.now(),
          index,
          `settled ${record.update.id.slice(0, 8)} ${record.state} ${record.rejection ?? ''}`,
        );
      }
    },
    blacklisted: (nodeId) => sim.log.write(sim.now(), index, `blacklisted ${nodeId.slice(0, 8)}`),
  };
}
