import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Commit, LedgerEntry, SyncRequest, SyncResponse } from '../../../src/core/messages/schemas.js';
import { answerSyncRequest } from '../../../src/core/sync/answer.js';
import { BlockIndex } from '../../../src/core/sync/block-index.js';
import type { Verified } from '../../../src/core/verified.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { internals } from '../../../src/node/internals.js';
import type { TrustMeshNode } from '../../../src/node/node.js';
import { EntryMaker } from '../../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../../support/mesh.js';

// An honest full node, a node catching up, and a raw peer answering SYNC_* by hand from its own block index.
const network = testNetwork([10, 10, 10], { epochMs: 1_000 });
const SYNC = { blockGraceMs: 0, settleMs: 300, aloneGraceMs: 10_000, requestTimeoutMs: 500 };
const wallClock = { now: () => Date.now() };

type Tamper = (request: SyncRequest, honest: SyncResponse) => SyncResponse | null;

function history(maker: EntryMaker): Verified<LedgerEntry>[] {
  const entries: Verified<LedgerEntry>[] = [];
  for (let i = 0; i < 60; i++) {
    entries.push(maker.commit({ agentId: `agent-${i % 9}`, principalId: 'p' }, { voters: [0, 1] }));
    if (i % 20 === 0) entries.push(maker.revocation({ agentId: `agent-${i % 9}`, principalId: 'p' }));
    maker.clock.advance(700);
  }
  return entries;
}

function indexOf(entries: readonly LedgerEntry[]): BlockIndex {
  const index = new BlockIndex(sodiumCrypto, network, wallClock, 0);
  for (const entry of entries) index.add(entry);
  return index;
}

describe('sync past lying peers', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  /** Runs one catch-up with an honest node and a liar serving `served` (the honest history by default). */
  async function catchUp(
    tamper: Tamper,
    options: {
      /** More entries both hold. */
      extra?: (maker: EntryMaker) => Verified<LedgerEntry>[];
      /** What the liar's index holds instead of the honest entries. */
      serve?: (entries: LedgerEntry[], maker: EntryMaker) => LedgerEntry[];
      /** The liar is the only peer (the honest node is not linked; it only holds the expected state). */
      alone?: boolean;
    } = {},
  ): Promise<{ node: TrustMeshNode; honest: TrustMeshNode; liar: RawPeer; maker: EntryMaker }> {
    mesh = new TestMesh(network);
    const maker = new EntryMaker({ network, clock: new ManualClock(Date.now() - 120_000) });
    const entries = [...history(maker), ...(options.extra?.(maker) ?? [])];
    const honest = await mesh.start(testKeyPair(0), { sync: { ...SYNC, aloneGraceMs: 0 } });
    const { engine, store } = internals(honest);
    store.transaction(() => {
      for (const entry of entries) assert.equal(engine.importEntry(entry).kind, 'accept');
    });
    const liarIndex = indexOf(options.serve?.(entries, maker) ?? entries);
    const node = await mesh.start(testKeyPair(1), { sync: SYNC });
    const liar = await RawPeer.connect(node.endpoint, testKeyPair(2), network.networkId, mesh);
    liar.socket.on('message', (data) => {
      const request = JSON.parse(data.toString()) as SyncRequest;
      if (!['SYNC_STATUS_REQUEST', 'SYNC_ROOTS_REQUEST', 'SYNC_BLOCK_REQUEST'].includes(request.type)) return;
      const answer = tamper(request, answerSyncRequest(liarIndex, request, { maxFrameBytes: 65_536 }));
      if (answer !== null) liar.sendJson(answer);
    });
    await liar.handshake();
    if (options.alone !== true) await mesh.link(node, honest);
    await waitFor(() => node.syncStatus().ready, 10_000, 'caught up');
    assert.equal(node.stateHash(), honest.stateHash());
    return { node, honest, liar, maker };
  }

  const liarStatus = (node: TrustMeshNode, liar: RawPeer) =>
    node.syncStatus().peers.find((peer) => peer.nodeId === liar.signer.nodeId);

  test('a peer claiming a height its clock cannot have closed is refused', async () => {
    const { node, liar } = await catchUp((_request, honest) =>
      honest.type === 'SYNC_STATUS' ? { ...honest, latestHeight: honest.latestHeight + 10_000_000 } : honest,
    );
    assert.ok(liarStatus(node, liar)!.failures >= 1);
    assert.equal(liarStatus(node, liar)!.blocks, 0);
    assert.equal(internals(node).sync!.requests.SYNC_ROOTS_REQUEST > 0, true);
  });

  test('a block whose entries do not match its root is fetched from the honest peer', async () => {
    const { node, liar } = await catchUp((_request, honest) => {
      if (honest.type !== 'SYNC_BLOCK' || honest.part !== 'commits' || honest.entries.length === 0)
        return honest;
      const [first, ...rest] = honest.entries as Commit[];
      const changed = {
        ...first!,
        update: { ...first!.update, payload: { ...first!.update.payload, trustScore: 1 } },
      };
      return { ...honest, entries: [changed, ...rest] };
    });
    assert.ok(liarStatus(node, liar)!.failures >= 1);
  });

  test('a block that omits an entry is fetched from the honest peer', async () => {
    const { node, liar } = await catchUp((_request, honest) =>
      honest.type === 'SYNC_BLOCK' && honest.part === 'commits' && honest.entries.length > 0
        ? { ...honest, entries: honest.entries.slice(1) }
        : honest,
    );
    assert.ok(liarStatus(node, liar)!.failures >= 1);
  });

  test('a consistent block with one bad signature gets its server disconnected', async () => {
    const { node, liar } = await catchUp((_request, honest) => honest, {
      serve: (entries) =>
        entries.map((entry) =>
          entry.type === 'COMMIT' && entry.update.payload.agentId === 'agent-4'
            ? { ...entry, update: { ...entry.update, payload: { ...entry.update.payload, trustScore: 999 } } }
            : entry,
        ),
    });
    await liar.waitForClose();
    assert.equal(liar.closeReason, 'TM_ERR_SIG_INVALID');
    assert.ok(liarStatus(node, liar)!.failures >= 1);
    assert.notEqual(node.record('agent-4', 'p')?.trustScore, 999);
  });

  test('a peer that stalls mid-transfer loses its share to the honest peer', async () => {
    const { node, liar } = await catchUp((request, honest) =>
      request.type === 'SYNC_BLOCK_REQUEST' && request.part === 'commits' ? null : honest,
    );
    assert.ok(liarStatus(node, liar)!.failures >= 1);
  });

  test('a round cut short by the only peer stalling leaves the rest to the next round, each part counted once', async () => {
    let commitRequests = 0;
    const { node, liar } = await catchUp(
      (request, honest) =>
        request.type === 'SYNC_BLOCK_REQUEST' && request.part === 'commits' && commitRequests++ === 0
          ? null
          : honest,
      { alone: true },
    );
    assert.ok(liarStatus(node, liar)!.failures >= 1, 'the first round ended on a timeout');
    const status = node.syncStatus();
    assert.ok(status.blocksDone > 0);
    // Were the parts the first round left unapplied counted again when the retry planned them, this would never
    // be equal (and the lag metric would never reach 0).
    assert.equal(status.blocksTotal, status.blocksDone);
    const lag = await node.metrics.registry.getSingleMetricAsString('trustmesh_sync_lag_blocks');
    assert.match(lag, /trustmesh_sync_lag_blocks 0/);
  });

  test('a commit whose quorum holds only under a later stake table is not applied', async () => {
    const { node, honest, liar } = await catchUp((_request, answer) => answer, {
      // Validator 2 rotates to key 9; the liar adds a commit dated before that which counts key 9's stake.
      extra: (maker) => [maker.keyRotation(2, 9)],
      serve: (entries, maker) => {
        const now = maker.clock.now();
        maker.clock.set(now - 30_000);
        const forged = maker.commit({ agentId: 'agent-late', principalId: 'p' }, { voters: [0, 9] });
        maker.clock.set(now);
        return [...entries, forged];
      },
    });
    assert.equal(node.record('agent-late', 'p'), null);
    assert.equal(honest.record('agent-late', 'p'), null);
    assert.ok(liarStatus(node, liar)!.blocks > 0, 'the liar served blocks');
  });

  test('old entries replayed over live gossip are still refused by freshness once caught up', async () => {
    const { node, liar, maker } = await catchUp((_request, honest) => honest);
    const dropped: string[] = [];
    node.on('dropped', (_peer, type, _kind, code) => dropped.push(`${type}:${code}`));
    maker.clock.set(Date.now() - 300_000);
    liar.sendJson(maker.commit({ agentId: 'agent-old', principalId: 'p' }, { voters: [0, 1] }));
    await waitFor(() => dropped.length > 0, 2_000, 'refusal');
    assert.deepEqual(dropped, ['COMMIT:TM_ERR_TIMESTAMP_SKEW']);
    assert.equal(node.record('agent-old', 'p'), null);
  });
});
