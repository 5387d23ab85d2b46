// End to end over real HTTP on a three-node mesh (bridge A — full C — bridge B, so gossip crosses a hop), all
// through TrustMeshClient: submit at A and watch it commit, read it at B, stream B's changes, resume the stream.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BridgeApi } from '../../src/api/server.js';
import { type ChangeEvent, TrustMeshClient } from '../../src/client/client.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { waitFor } from '../support/mesh.js';
import { ApiMesh, eventually, reader, submitCommitted, writer } from './support.js';

/** Consumes a client stream in the background, keeping what arrived, until stopped. */
class Collector {
  readonly events: ChangeEvent[] = [];
  private readonly controller = new AbortController();
  readonly done: Promise<void>;

  constructor(client: TrustMeshClient, lastEventId?: number) {
    const stream = client.stream({
      signal: this.controller.signal,
      ...(lastEventId === undefined ? {} : { lastEventId }),
    });
    this.done = (async () => {
      for await (const event of stream) this.events.push(event);
    })();
  }

  async waitFor(match: (event: ChangeEvent) => boolean, what: string): Promise<ChangeEvent> {
    await waitFor(() => this.events.some(match), 10_000, what);
    return this.events.find(match)!;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

describe('bridge API end to end: 3 nodes, 2 bridges, the typed client', () => {
  const mesh = new ApiMesh(testNetwork([100, 100, 100]));
  let nodeB: TrustMeshNode;
  let apiA: BridgeApi;
  let apiB: BridgeApi;
  let clientA: TrustMeshClient;
  let clientB: TrustMeshClient;

  before(async () => {
    const a = await mesh.bridge(0);
    const b = await mesh.bridge(1);
    const c = await mesh.start(testKeyPair(2), { type: 'full' });
    await mesh.link(a.node, c);
    await mesh.link(c, b.node);
    ({ api: apiA } = a);
    ({ node: nodeB, api: apiB } = b);
    clientA = new TrustMeshClient({ baseUrl: apiA.url, token: writer.token });
    clientB = new TrustMeshClient({ baseUrl: `${apiB.url}/`, token: reader.token });
  });
  after(() => mesh.cleanup());

  test('an event submitted at bridge A commits with its quorum signatures and reads back at bridge B', async () => {
    const stream = new Collector(clientB);
    try {
      const submitted = await clientA.submitEvent({
        agentId: 'cursor-agent',
        principalId: 'user-123',
        trustScore: 750,
        event: 'VERIFICATION_SUCCESS',
      });
      assert.equal(submitted.status, 'pending');
      assert.equal(submitted.links.self, `/v1/updates/${submitted.id}`);

      const settled = await clientA.waitForUpdate(submitted.id, { timeoutMs: 10_000, intervalMs: 20 });
      assert.equal(settled.status, 'committed');
      assert.ok(settled.tally.acceptWeight * 2 > settled.tally.totalStake, JSON.stringify(settled.tally));
      assert.ok(settled.commitId);
      // The origin's signature, then one per accepting validator (A itself and at least one other).
      assert.ok((settled.signatures?.length ?? 0) >= 3, JSON.stringify(settled.signatures));
      assert.equal(settled.signatures?.[0]?.nodeId, settled.origin);

      const record = await eventually(
        async () => {
          const held = await clientB.record('cursor-agent', 'user-123');
          return held?.trustScore === 750 ? held : null;
        },
        10_000,
        'the record at bridge B',
      );
      assert.equal(record.revoked, false);
      assert.deepEqual(
        record.updateHistory.map((item) => item.event),
        ['VERIFICATION_SUCCESS'],
      );
      assert.deepEqual(
        (await clientB.agent('cursor-agent')).map((held) => held.principalId),
        ['user-123'],
      );
      const page = await clientB.history('cursor-agent', 'user-123', { limit: 10 });
      assert.equal(page.total, 1);

      const commit = await stream.waitFor((e) => e.updateId === submitted.id, 'the commit on B’s stream');
      assert.equal(commit.name, 'commit');
      assert.equal(commit.trustScore, 750);
    } finally {
      await stream.stop();
    }
  });

  test("a revocation posted at bridge A arrives on bridge B's stream, then reads as revoked at B", async () => {
    const stream = new Collector(clientB);
    try {
      const revocation = await clientA.revoke({
        agentId: 'cursor-agent',
        principalId: 'user-123',
        reason: 'compromised',
      });
      const seen = await stream.waitFor((e) => e.id === revocation.id, 'the revocation on B’s stream');
      assert.equal(seen.name, 'revocation');
      assert.equal(seen.type, 'REVOCATION');
      assert.equal(seen.reason, 'compromised');
      assert.equal(seen.agentId, 'cursor-agent');
      assert.equal((await clientB.record('cursor-agent', 'user-123'))?.revoked, true);
    } finally {
      await stream.stop();
    }
  });

  test('resuming with Last-Event-ID replays exactly what was missed, then continues live', async () => {
    const first = new Collector(clientB);
    const marker = await clientA.revoke({ agentId: 'resume-agent', principalId: 'p0', reason: 'marker' });
    const last = await first.waitFor((e) => e.id === marker.id, 'the marker revocation');
    await first.stop();
    const before = (await clientB.status()).ledger.latestSeq;
    assert.equal(last.seq, before);

    // While nobody listens at B: two revocations and a committed update, all made at A.
    const missedIds = [
      (await clientA.revoke({ agentId: 'resume-agent', principalId: 'p1', reason: 'missed-1' })).id,
      (await clientA.revoke({ agentId: 'resume-agent', principalId: 'p2', reason: 'missed-2' })).id,
    ];
    const update = await submitCommitted(clientA, {
      agentId: 'resume-agent',
      principalId: 'p3',
      trustScore: 300,
      event: 'REGISTRATION',
    });
    await waitFor(() => nodeB.latestSeq() >= before + 3, 10_000, 'B to store the missed changes');
    const missed = nodeB.entriesSince(before, 100);

    const resumed = new Collector(clientB, last.seq);
    try {
      await waitFor(() => resumed.events.length >= missed.length, 10_000, 'the replay');
      assert.deepEqual(
        resumed.events.map((e) => [e.seq, e.id]),
        missed.map(({ seq, entry }) => [seq, entry.id]),
      );
      const replayedIds = resumed.events.map((e) => (e.type === 'COMMIT' ? e.updateId : e.id));
      assert.deepEqual(new Set(replayedIds), new Set([...missedIds, update.id]));

      const live = await clientA.revoke({ agentId: 'resume-agent', principalId: 'p4', reason: 'live' });
      await resumed.waitFor((e) => e.id === live.id, 'the live revocation after the replay');
      const seqs = resumed.events.map((e) => e.seq);
      assert.deepEqual(
        seqs,
        [...new Set(seqs)].sort((x, y) => x - y),
        'no duplicates, in seq order',
      );
      assert.equal(seqs[0], last.seq + 1, 'nothing before the resume point');
    } finally {
      await resumed.stop();
    }
  });

  test('status and peers describe bridge B', async () => {
    const status = await clientB.status();
    assert.equal(status.nodeId, nodeB.nodeId);
    assert.equal(status.type, 'bridge');
    assert.equal(status.network, 'test-net');
    assert.ok(status.peers >= 1);
    const peers = await clientB.peers();
    assert.deepEqual(
      peers.map((peer) => peer.nodeId),
      nodeB.connectedPeers(),
    );
    assert.equal((await clientB.health()).status, 'ok');
    assert.match(await clientB.metrics(), /trustmesh_api_requests_total\{route="\/v1\/status"/);
  });
});
