// The devnet's smoke scenario: trust updates proposed at several nodes, one invalid proposal, and a revocation
// issued while the updates are in flight; waits until every node has everything and reports what it measured.
// Proposals go out in a window sized to the mesh, since every node of a devnet shares one process (see smokeWindow).

import { MAX_TRUST_SCORE, MIN_TRUST_SCORE } from '../core/consensus/judge.js';
import type { ProposalRecord } from '../core/consensus/proposals.js';
import type { ProposalInput } from '../core/engine/engine.js';
import type { CriticalEvent, Message } from '../core/messages/schemas.js';
import type { Verified } from '../core/verified.js';
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
  /** Proposals in flight at once (submitted and not yet applied on every node), at most and as planned. */
  pacing: { window: number; maxInFlight: number };
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

/**
 * Proposals the scenario keeps in flight at once on a devnet of `nodes`: about 16,384 signature checks of work,
 * counting the one that dominates — every node checks each COMMIT's majority of votes, about n × (n/2 + 1) checks
 * per update. All of a devnet's nodes share one process, so that work is n times what one node of a real mesh
 * does; sent all at once at 64 nodes (127 proposals, ~330,000 checks) the votes queued behind it for longer than
 * the 10 s proposal timeout and valid proposals expired. Meshes up to 25 nodes still propose everything at
 * once; 64 nodes keep 7 in flight.
 */
export function smokeWindow(nodes: number): number {
  return Math.max(1, Math.floor(16_384 / (nodes * (Math.floor(nodes / 2) + 1))));
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
  private readonly waiting = new Map<string, { count: number; resolve: () => void }>();
  note(id: string, nodeIndex: number, at: number): void {
    const map = this.byMessage.get(id) ?? new Map<number, number>();
    if (!map.has(nodeIndex)) map.set(nodeIndex, at);
    this.byMessage.set(id, map);
    const waiter = this.waiting.get(id);
    if (waiter !== undefined && map.size >= waiter.count) {
      this.waiting.delete(id);
      waiter.resolve();
    }
  }
  /** Resolves once `count` nodes noted `id`. */
  reached(id: string, count: number): Promise<void> {
    if (this.count(id) >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(id, { count, resolve }));
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

export interface SmokeOptions {
  /** Proposals in flight at once; smokeWindow(nodes) by default. */
  readonly window?: number;
}

interface Planned {
  readonly node: TrustMeshNode;
  readonly input: ProposalInput;
}

/**
 * Two valid updates per full node and bridge, first one from each, then the second; the invalid one (score 1001,
 * which validators vote down with TM_ERR_SCORE_OUT_OF_RANGE) goes out second, in the first window.
 */
function plan(proposers: readonly TrustMeshNode[]): { valid: Planned[]; invalid: Planned } {
  const valid: Planned[] = [];
  for (let j = 0; j < 2; j++) {
    proposers.forEach((node, k) => {
      valid.push({
        node,
        input: {
          agentId: `agent-${k}-${j}`,
          principalId: `principal-${k}`,
          trustScore: smokeScore(k, j),
          event: j === 0 ? 'REGISTRATION' : 'VERIFICATION_SUCCESS',
        },
      });
    });
  }
  const invalid: Planned = {
    node: proposers[1 % proposers.length]!,
    input: {
      agentId: 'agent-invalid',
      principalId: 'principal-x',
      trustScore: MAX_TRUST_SCORE + 1,
      event: 'SCORE_UPDATE',
    },
  };
  return { valid, invalid };
}

interface Sent {
  /** The valid proposals, in the order sent, each with how it settled at its proposer. */
  readonly valid: ProposalRecord[];
  readonly invalid: ProposalRecord;
  readonly revocation: Verified<CriticalEvent>;
  readonly revokedAt: number;
  readonly maxInFlight: number;
}

/**
 * Sends the planned proposals, at most `window` in flight: one leaves the window once it settled at its proposer
 * and, if it committed, every node applied the commit. The revocation goes out once the first window is sent.
 */
async function sendPaced(
  proposers: readonly TrustMeshNode[],
  window: number,
  track: { received: Arrivals; commitsAt: Arrivals; sentAt: Map<string, number>; nodes: TrustMeshNode[] },
  deadline: number,
): Promise<Sent> {
  const { received, commitsAt, sentAt, nodes } = track;
  const { valid, invalid } = plan(proposers);
  const queue = [valid[0]!, invalid, ...valid.slice(1)];
  const sent: Array<{ planned: Planned; record: ProposalRecord }> = [];
  const settled = new Map<string, ProposalRecord>();
  const inFlight = new Set<string>();
  const failures: unknown[] = [];
  let maxInFlight = 0;
  let revocation: { event: Verified<CriticalEvent>; at: number } | null = null;
  // Which nodes a timed-out wait still lacks, so a failure says where delivery stopped.
  const describeInFlight = () =>
    [...inFlight]
      .map((id) => {
        const outcome = settled.get(id);
        if (outcome === undefined) return `${id}: not settled at its proposer`;
        const lacking = nodes.flatMap((_, index) => (commitsAt.byMessage.get(id)?.has(index) ? [] : [index]));
        return `${id}: ${outcome.state}, commit not applied at nodes ${lacking.join(',')}`;
      })
      .join('; ');
  const open = () => {
    if (failures.length > 0) throw failures[0];
    return inFlight.size < window;
  };
  while (queue.length > 0) {
    await until(
      open,
      deadline,
      () => `a free place among ${window} proposals in flight (${queue.length} to send)`,
    );
    const planned = queue.shift()!;
    const record = planned.node.submit(planned.input);
    sent.push({ planned, record });
    if (planned !== invalid) {
      sentAt.set(record.id, record.createdAt);
      received.note(record.id, nodes.indexOf(planned.node), record.createdAt);
    }
    inFlight.add(record.id);
    maxInFlight = Math.max(maxInFlight, inFlight.size);
    planned.node
      .whenSettled(record.id)
      .then(async (outcome) => {
        settled.set(record.id, outcome);
        if (outcome.state === 'committed') await commitsAt.reached(record.id, nodes.length);
      })
      .then(
        () => inFlight.delete(record.id),
        (error: unknown) => failures.push(error),
      );
    if (revocation === null && (inFlight.size === window || queue.length === 0)) {
      // A revocation issued while the first window of updates is still in flight, at another node.
      const revoker = proposers[2 % proposers.length]!;
      const at = Date.now();
      const event = revoker.revoke({
        agentId: 'agent-0-0',
        principalId: 'principal-0',
        reason: 'compromised',
      });
      sentAt.set(event.id, at);
      received.note(event.id, nodes.indexOf(revoker), at);
      revocation = { event, at };
    }
  }
  await until(
    () => open() && inFlight.size === 0,
    deadline,
    () => `the last ${inFlight.size} proposals to settle and commit on every node (${describeInFlight()})`,
  );
  const outcomeOf = (id: string) => settled.get(id)!;
  return {
    valid: sent.filter((item) => item.planned !== invalid).map((item) => outcomeOf(item.record.id)),
    invalid: outcomeOf(sent.find((item) => item.planned === invalid)!.record.id),
    revocation: revocation!.event,
    revokedAt: revocation!.at,
    maxInFlight,
  };
}

export async function runSmoke(
  devnet: Devnet,
  timeoutMs = 60_000,
  options: SmokeOptions = {},
): Promise<SmokeReport> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const nodes = devnet.nodes;
  const window = options.window ?? smokeWindow(nodes.length);
  await devnet.waitForMesh(Math.max(1_000, deadline - Date.now()));
  // A validator still catching up holds its votes until it is ready: proposals made before would wait for it.
  await until(
    () => nodes.every((node) => node.syncStatus().ready),
    deadline,
    () => 'every node to be ready',
  );

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

  const all = nodes.length;
  try {
    const proposers = nodes.filter((node) => node.type !== 'light');
    const sent = await sendPaced(proposers, window, { received, commitsAt, sentAt, nodes }, deadline);
    const { revocation: revoked, revokedAt, maxInFlight } = sent;
    const invalidId = sent.invalid.id;
    const settled = [...sent.valid, sent.invalid];
    const commitsBeforeRevocation = new Map<number, number>();
    const committed = settled.filter((record) => record.state === 'committed');
    const committedIds = committed.map((record) => record.id);
    await until(
      () => received.count(revoked.id) === all && committedIds.every((id) => commitsAt.count(id) === all),
      deadline,
      () => `every node to apply ${committedIds.length} commits and the revocation`,
    );
    for (const [index] of nodes.entries()) {
      const revokedTime = received.byMessage.get(revoked.id)?.get(index) ?? Number.POSITIVE_INFINITY;
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
    const messageIds = [...committedIds, revoked.id];
    const rejected = settled.filter((record) => record.state === 'rejected');
    const live = devnet.liveEdges();
    return {
      network: devnet.network.networkId,
      nodes: all,
      roles: Object.fromEntries(devnet.members.map((member) => [member.name, member.role])),
      topology: { edges: live, diameter: diameter(all, live) },
      pacing: { window, maxInFlight },
      messages: messageIds.map((id) => ({
        id,
        type: id === revoked.id ? 'REVOCATION' : 'TRUST_UPDATE',
        origin:
          id === revoked.id ? revoked.origin : committed.find((record) => record.id === id)!.update.origin,
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
        id: revoked.id,
        appliedAtNodes: received.count(revoked.id),
        propagationMaxMs: received.maxDelay(revoked.id, revokedAt),
        committedBeforeRevocation: Math.max(...commitsBeforeRevocation.values()),
      },
      stateHashes,
      stateHashesEqual: stateHashes.every((hash) => hash === stateHashes[0]),
      converged:
        stateHashes.every((hash) => hash === stateHashes[0]) &&
        messageIds.every((id) => received.count(id) === all) &&
        // Exactly the invalid proposal is rejected: any valid one that failed means the mesh did not work.
        rejected.length === 1 &&
        rejected[0]!.id === invalidId &&
        committed.length === sent.valid.length,
      durationMs: Date.now() - started,
    };
  } finally {
    for (const off of detach) off();
  }
}
