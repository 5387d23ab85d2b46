// The devnet's smoke scenario: trust updates proposed at several nodes, one invalid proposal, and a revocation
// issued while the updates are in flight; waits until every node has everything and reports what it measured.

import { MAX_TRUST_SCORE, MIN_TRUST_SCORE } from '../core/consensus/judge.js';
import type { ProposalRecord } from '../core/consensus/proposals.js';
import type { Message } from '../core/messages/schemas.js';
import type { TrustMeshNode } from '../node/node.js';
import { type Devnet, diameter } from './devnet.js';

export interface SmokeReport {
  network: string;
  nodes: number;
  roles: Record<string, string>;
  topology: { edges: Array<[number, number]>; diameter: number };
  messages: Array<{
    id: string;
    type: string;
    origin: string;
    reachedNodes: number;
    maxPropagationMs: number;
  }>;
  updates: {
    proposed: number;
    committed: number;
    rejected: number;
    rejectedReasons: Record<string, Record<string, number>>;
    /** How each rejected proposal ended: rejected by validators, or expired without a majority. */
    rejections: Record<string, string>;
    appliedEverywhere: number;
  };
  commitLatencyMs: { p50: number; p99: number; max: number };
  revocation: {
    id: string;
    appliedAtNodes: number;
    propagationMaxMs: number;
    committedBeforeRevocation: number;
  };
  stateHashes: string[];
  stateHashesEqual: boolean;
  converged: boolean;
  durationMs: number;
}

/**
 * The score of proposer k's j-th update: spread out so records differ, and always inside the valid range however
 * many nodes propose (a plain 500 + 37k + j leaves it from 14 proposers up, and valid proposals would be rejected).
 */
export function smokeScore(k: number, j: number): number {
  const span = MAX_TRUST_SCORE - MIN_TRUST_SCORE + 1;
  return MIN_TRUST_SCORE + ((500 + 37 * k + j) % span);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Per message id: when each node (by index) first accepted it, in ms since the scenario's epoch. */
class Arrivals {
  readonly byMessage = new Map<string, Map<number, number>>();
  note(id: string, nodeIndex: number, at: number): void {
    const map = this.byMessage.get(id) ?? new Map<number, number>();
    if (!map.has(nodeIndex)) map.set(nodeIndex, at);
    this.byMessage.set(id, map);
  }
  count(id: string): number {
    return this.byMessage.get(id)?.size ?? 0;
  }
  maxDelay(id: string, sentAt: number): number {
    const times = [...(this.byMessage.get(id)?.values() ?? [])];
    return times.length === 0 ? Number.NaN : Math.max(...times.map((t) => t - sentAt));
  }
}

async function until(condition: () => boolean, deadline: number, what: () => string): Promise<void> {
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`smoke scenario timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function runSmoke(devnet: Devnet, timeoutMs = 60_000): Promise<SmokeReport> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const nodes = devnet.nodes;
  await devnet.waitForMesh(Math.max(1_000, deadline - Date.now()));

  const received = new Arrivals();
  const commitsAt = new Arrivals();
  const sentAt = new Map<string, number>();
  const detach: Array<() => void> = [];
  nodes.forEach((node, index) => {
    const onMessage = (message: Message) => {
      if (message.type === 'TRUST_UPDATE' || message.type === 'REVOCATION')
        received.note(message.id, index, Date.now());
    };
    const onCommitted = (commit: { update: { id: string } }) =>
      commitsAt.note(commit.update.id, index, Date.now());
    const onCritical = (event: { type: string; id: string }) => {
      if (event.type === 'REVOCATION') received.note(event.id, index, Date.now());
    };
    node.on('message', onMessage);
    node.on('committed', onCommitted);
    node.on('critical', onCritical);
    detach.push(() => {
      node.off('message', onMessage);
      node.off('committed', onCommitted);
      node.off('critical', onCritical);
    });
  });

  try {
    const proposers = nodes.filter((node) => node.type !== 'light');
    const proposals: Array<{ node: TrustMeshNode; record: ProposalRecord }> = [];
    proposers.forEach((node, k) => {
      for (let j = 0; j < 2; j++) {
        const record = node.submit({
          agentId: `agent-${k}-${j}`,
          principalId: `principal-${k}`,
          trustScore: smokeScore(k, j),
          event: j === 0 ? 'REGISTRATION' : 'VERIFICATION_SUCCESS',
        });
        sentAt.set(record.id, record.createdAt);
        received.note(record.id, nodes.indexOf(node), record.createdAt);
        proposals.push({ node, record });
      }
    });
    // One proposal no honest validator accepts: validators vote reject (TM_ERR_SCORE_OUT_OF_RANGE).
    const invalidAt = proposers[1 % proposers.length]!;
    const invalid = invalidAt.submit({
      agentId: 'agent-invalid',
      principalId: 'principal-x',
      trustScore: MAX_TRUST_SCORE + 1,
      event: 'SCORE_UPDATE',
    });
    // A revocation issued while those updates are still in flight, at another node.
    const revoker = proposers[2 % proposers.length]!;
    const revokedAt = Date.now();
    const revocation = revoker.revoke({
      agentId: 'agent-0-0',
      principalId: 'principal-0',
      reason: 'compromised',
    });
    sentAt.set(revocation.id, revokedAt);
    received.note(revocation.id, nodes.indexOf(revoker), revokedAt);
    const commitsBeforeRevocation = new Map<number, number>();

    const all = nodes.length;
    const settled = await Promise.all([
      ...proposals.map(({ node, record }) => node.whenSettled(record.id)),
      invalidAt.whenSettled(invalid.id),
    ]);
    const committed = settled.filter((record) => record.state === 'committed');
    const committedIds = committed.map((record) => record.id);
    await until(
      () => received.count(revocation.id) === all && committedIds.every((id) => commitsAt.count(id) === all),
      deadline,
      () => `every node to apply ${committedIds.length} commits and the revocation`,
    );
    for (const [index] of nodes.entries()) {
      const revokedTime = received.byMessage.get(revocation.id)?.get(index) ?? Number.POSITIVE_INFINITY;
      commitsBeforeRevocation.set(
        index,
        committedIds.filter(
          (id) => (commitsAt.byMessage.get(id)?.get(index) ?? Number.POSITIVE_INFINITY) < revokedTime,
        ).length,
      );
    }
    // Updates reach every node before they commit; keep waiting for stragglers of the TRUST_UPDATEs themselves.
    await until(
      () => committedIds.every((id) => received.count(id) === all),
      deadline,
      () => 'every node to receive every update',
    );

    const stateHashes = nodes.map((node) => node.stateHash());
    const latencies = committed.map((record) => (record.settledAt ?? record.createdAt) - record.createdAt);
    const messageIds = [...committedIds, revocation.id];
    const rejected = settled.filter((record) => record.state === 'rejected');
    const live = devnet.liveEdges();
    return {
      network: devnet.network.networkId,
      nodes: all,
      roles: Object.fromEntries(devnet.members.map((member) => [member.name, member.role])),
      topology: { edges: live, diameter: diameter(all, live) },
      messages: messageIds.map((id) => ({
        id,
        type: id === revocation.id ? 'REVOCATION' : 'TRUST_UPDATE',
        origin:
          id === revocation.id
            ? revocation.origin
            : committed.find((record) => record.id === id)!.update.origin,
        reachedNodes: received.count(id),
        maxPropagationMs: received.maxDelay(id, sentAt.get(id)!),
      })),
      updates: {
        proposed: settled.length,
        committed: committed.length,
        rejected: rejected.length,
        rejectedReasons: Object.fromEntries(rejected.map((record) => [record.id, record.reasons])),
        rejections: Object.fromEntries(rejected.map((record) => [record.id, record.rejection ?? 'unknown'])),
        appliedEverywhere: committedIds.filter((id) => commitsAt.count(id) === all).length,
      },
      commitLatencyMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: Math.max(...latencies),
      },
      revocation: {
        id: revocation.id,
        appliedAtNodes: received.count(revocation.id),
        propagationMaxMs: received.maxDelay(revocation.id, revokedAt),
        committedBeforeRevocation: Math.max(...commitsBeforeRevocation.values()),
      },
      stateHashes,
      stateHashesEqual: stateHashes.every((hash) => hash === stateHashes[0]),
      converged:
        stateHashes.every((hash) => hash === stateHashes[0]) &&
        messageIds.every((id) => received.count(id) === all) &&
        // Exactly the invalid proposal is rejected: any valid one that failed means the mesh did not work.
        rejected.length === 1 &&
        rejected[0]!.id === invalid.id &&
        committed.length === proposals.length,
      durationMs: Date.now() - started,
    };
  } finally {
    for (const off of detach) off();
  }
}
