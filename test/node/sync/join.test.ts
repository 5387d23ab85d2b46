import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Commit, LedgerEntry } from '../../../src/core/messages/schemas.js';
import type { Verified } from '../../../src/core/verified.js';
import { internals } from '../../../src/node/internals.js';
import type { TrustMeshNode } from '../../../src/node/node.js';
import { EntryMaker } from '../../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../../support/fixtures.js';
import { TestMesh, waitFor } from '../../support/mesh.js';

/**
 * Signs `count` commits (over `agents` agents, `stepMs` apart, the last 20 s ago) and stores them straight into every
 * running node — live proposing thousands of updates would take minutes: the same verified entries everywhere.
 */
function storeHistory(
  mesh: TestMesh,
  running: readonly TrustMeshNode[],
  count: number,
  stepMs: number,
  agents: number,
) {
  const maker = new EntryMaker({
    network: mesh.network,
    clock: new ManualClock(Date.now() - count * stepMs - 20_000),
  });
  const history: Verified<Commit>[] = [];
  for (let i = 0; i < count; i++) {
    history.push(maker.commit({ agentId: `agent-${i % agents}`, principalId: 'p' }, { voters: [0, 1, 2] }));
    maker.clock.advance(stepMs);
  }
  for (const node of running) {
    const { store } = internals(node);
    store.transaction(() => {
      for (const entry of history) store.append(entry as Verified<LedgerEntry>);
    });
  }
}

describe('joining a running mesh', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('a node started after 2,000 commits reaches the same state, downloading from at least 3 peers', async () => {
    mesh = new TestMesh(testNetwork([10, 10, 10, 10, 10], { epochMs: 1_000 }));
    const sync = { blockGraceMs: 0, settleMs: 300, aloneGraceMs: 10_000 };
    const running: TrustMeshNode[] = [];
    for (let i = 0; i < 4; i++)
      running.push(await mesh.start(testKeyPair(i), { sync, peers: running.map((node) => node.endpoint) }));
    // Dated over the last 400 seconds.
    storeHistory(mesh, running, 2_000, 190, 300);
    const expected = running[0]!.stateHash();
    assert.ok(running.every((node) => node.stateHash() === expected));

    const joiner = await mesh.start(testKeyPair(4), {
      sync,
      peers: running.map((node) => node.endpoint),
    });
    assert.equal(joiner.syncStatus().ready, false);
    await waitFor(() => joiner.syncStatus().ready, 20_000, 'joined');
    assert.equal(joiner.stateHash(), expected);
    const status = joiner.syncStatus();
    assert.equal(status.entriesApplied, 2_000);
    const sources = status.peers.filter((peer) => peer.blocks > 0);
    assert.ok(sources.length >= 3, `downloaded from ${sources.length} peers`);
    assert.equal(
      sources.reduce((sum, peer) => sum + peer.entries, 0),
      2_000,
    );
    assert.equal(status.blocksDone, status.blocksTotal);
    const metrics = await joiner.metrics.registry.getSingleMetricAsString(
      'trustmesh_sync_entries_applied_total',
    );
    assert.match(metrics, /trustmesh_sync_entries_applied_total 2000/);
  });

  test('a first round waits (gatherMs) for a third peer connecting late, and downloads from all three', async () => {
    mesh = new TestMesh(testNetwork([10, 10, 10, 10], { epochMs: 1_000 }));
    // settleMs alone would start the round with the one peer connected first.
    const sync = { blockGraceMs: 0, settleMs: 100, gatherMs: 3_000, aloneGraceMs: 10_000 };
    const running: TrustMeshNode[] = [];
    for (let i = 0; i < 3; i++)
      running.push(await mesh.start(testKeyPair(i), { sync, peers: running.map((node) => node.endpoint) }));
    storeHistory(mesh, running, 300, 300, 300);
    // Sources are peers caught up themselves.
    await waitFor(() => running.every((node) => node.syncStatus().ready), 10_000, 'the mesh ready');
    const joiner = await mesh.start(testKeyPair(3), { sync, peers: [running[0]!.endpoint] });
    await waitFor(() => joiner.isConnectedTo(running[0]!.nodeId), 5_000, 'the first peer');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(joiner.syncStatus().blocksDone, 0, 'no round yet with one peer of three');
    joiner.addPeer(running[1]!.endpoint);
    joiner.addPeer(running[2]!.endpoint);
    await waitFor(() => joiner.syncStatus().ready, 15_000, 'joined');
    assert.equal(joiner.stateHash(), running[0]!.stateHash());
    const sources = joiner.syncStatus().peers.filter((peer) => peer.blocks > 0);
    assert.equal(sources.length, 3, `downloaded from ${sources.length} peers`);
  });
});
