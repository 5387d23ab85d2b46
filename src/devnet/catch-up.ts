// The devnet's catch-up scenario: one full node stops, the others commit updates and a revocation, the node
// restarts on its own data and key, and the scenario measures how long sync takes to bring it level (issue #14).
import type { LedgerEntry } from '../core/messages/schemas.js';
import { blockHeightOf } from '../core/sync/blocks.js';
import type { TrustMeshNode } from '../node/node.js';
import type { Devnet } from './devnet.js';

/** Options the devnet needs for this scenario: sync moves closed blocks only, so blocks close fast. */
export const CATCH_UP_DEVNET = {
  epochMs: 1_000,
  // Every node shares one clock on loopback: a short grace is enough for late copies to arrive.
  sync: { blockGraceMs: 250 },
} as const;

export interface CatchUpOptions {
  /** Updates committed while the node is down (default 3). */
  readonly updates?: number;
  readonly timeoutMs?: number;
}

export interface CatchUpReport {
  network: string;
  nodes: number;
  restartedNode: string;
  missed: { updates: number; revocations: number; ledgerEntries: number };
  /** Milliseconds the node was down, and from its restart until it was ready with the others' state hash. */
  downMs: number;
  readyMs: number | null;
  convergeMs: number | null;
  sync: {
    state: string;
    ready: boolean;
    blocksDone: number;
    entriesApplied: number;
    peers: Array<{ name: string; nodeId: string; blocks: number; entries: number; failures: number }>;
  };
  /** Whether the restarted node reads the agent revoked while it was down as revoked. */
  revocationSeen: boolean;
  stateHashes: Record<string, string>;
  stateHashesEqual: boolean;
  converged: boolean;
  durationMs: number;
}

async function until(condition: () => boolean, deadline: number, what: string): Promise<void> {
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`catch-up scenario timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Until every entry `node` holds lies in a block the sync protocol counts as closed. */
async function blocksClosed(devnet: Devnet, node: TrustMeshNode, deadline: number): Promise<void> {
  const { genesisTime, epochMs } = devnet.network;
  const entries = node.entriesSince(0, 100_000).map((row) => row.entry as LedgerEntry);
  const last = Math.max(0, ...entries.map((entry) => blockHeightOf({ genesisTime, epochMs }, entry) ?? 0));
  const closesAt = genesisTime + (last + 1) * epochMs + devnet.blockGraceMs() + 50;
  await until(() => Date.now() >= closesAt, deadline, 'the missed entries to lie in closed blocks');
}

export async function runCatchUp(devnet: Devnet, options: CatchUpOptions = {}): Promise<CatchUpReport> {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 60_000);
  const updates = options.updates ?? 3;
  const validators = devnet.members.filter((member) => member.role !== 'light');
  // Index 1 is a full node whenever the devnet has roles; the rest must keep a stake majority without it.
  const target = devnet.members.length >= 4 ? 1 : -1;
  if (target < 0 || validators.length < 3)
    throw new RangeError('the catch-up scenario needs at least 4 nodes (3 validators)');
  const name = devnet.members[target]!.name;
  await devnet.waitForMesh(Math.max(1_000, deadline - Date.now()));
  await until(
    () => devnet.nodes.every((node) => node.syncStatus().ready),
    deadline,
    'every node to be ready',
  );

  // One commit before the stop, so the restart reopens a data dir that holds part of the ledger.
  const proposers = devnet.members.filter((member, index) => member.role !== 'light' && index !== target);
  const first = proposers[0]!.node.submit({
    agentId: 'catch-up-0',
    principalId: 'principal-0',
    trustScore: 500,
    event: 'REGISTRATION',
  });
  if ((await proposers[0]!.node.whenSettled(first.id)).state !== 'committed')
    throw new Error('the first update did not commit');
  await until(
    () => devnet.nodes[target]!.stateHash() === proposers[0]!.node.stateHash(),
    deadline,
    `${name} to apply the first commit`,
  );
  const heldBefore = devnet.nodes[target]!.status().ledgerEntries;
  await devnet.stopMember(target);
  const stoppedAt = Date.now();

  for (let i = 1; i <= updates; i++) {
    const at = proposers[i % proposers.length]!.node;
    const record = at.submit({
      agentId: `catch-up-${i}`,
      principalId: `principal-${i}`,
      trustScore: 500 + i,
      event: 'REGISTRATION',
    });
    if ((await at.whenSettled(record.id)).state !== 'committed')
      throw new Error(`update ${i} did not commit without ${name}`);
  }
  const revoker = proposers[1 % proposers.length]!.node;
  revoker.revoke({ agentId: 'catch-up-1', principalId: 'principal-1', reason: 'compromised' });
  const running = devnet.nodes.filter((_, index) => index !== target);
  await until(
    () =>
      running.every((node) => node.stateHash() === running[0]!.stateHash()) &&
      running[0]!.record('catch-up-1', 'principal-1')?.revoked === true,
    deadline,
    'the running nodes to agree on the updates and the revocation',
  );
  const reference = proposers[0]!.node;
  await blocksClosed(devnet, reference, deadline);

  const restartedAt = Date.now();
  const back = await devnet.restartMember(target);
  let readyAt: number | null = null;
  let convergedAt: number | null = null;
  try {
    await until(
      () => {
        if (readyAt === null && back.syncStatus().ready) readyAt = Date.now();
        return readyAt !== null && back.stateHash() === reference.stateHash();
      },
      deadline,
      `${name} to catch up`,
    );
    convergedAt = Date.now();
  } catch {
    // Reported below as not converged: the scenario's verdict is the report, not an exception.
  }

  const names = new Map(devnet.members.map((member) => [member.node.nodeId, member.name]));
  const status = back.syncStatus();
  const stateHashes = Object.fromEntries(
    devnet.members.map((member) => [member.name, member.node.stateHash()]),
  );
  const stateHashesEqual = new Set(Object.values(stateHashes)).size === 1;
  const revocationSeen = back.record('catch-up-1', 'principal-1')?.revoked === true;
  return {
    network: devnet.network.networkId,
    nodes: devnet.members.length,
    restartedNode: name,
    missed: { updates, revocations: 1, ledgerEntries: reference.status().ledgerEntries - heldBefore },
    downMs: restartedAt - stoppedAt,
    readyMs: readyAt === null ? null : readyAt - restartedAt,
    convergeMs: convergedAt === null ? null : convergedAt - restartedAt,
    sync: {
      state: status.state,
      ready: status.ready,
      blocksDone: status.blocksDone,
      entriesApplied: status.entriesApplied,
      peers: status.peers.map((peer) => ({ name: names.get(peer.nodeId) ?? 'unknown', ...peer })),
    },
    revocationSeen,
    stateHashes,
    stateHashesEqual,
    converged: convergedAt !== null && stateHashesEqual && revocationSeen && status.ready,
    durationMs: Date.now() - started,
  };
}
