// Honest relaying of a busy mesh is never mistaken for spam: five members in a line each propose close to their
// origin budget at once and revoke besides; every link relays all of it within its budgets, and no one is scored.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { ErrorCode } from '../../../src/core/errors.js';
import type { TrustMeshNode } from '../../../src/node/node.js';
import { testKeyPair, testNetwork } from '../../support/fixtures.js';
import { TestMesh, waitFor } from '../../support/mesh.js';

const NODES = 5;

async function rateLimitedDrops(node: TrustMeshNode): Promise<number> {
  const metric = await node.metrics.registry.getSingleMetricAsString('trustmesh_messages_dropped_total');
  return metric
    .split('\n')
    .filter((line) => line.includes('code="TM_ERR_RATE_LIMITED"'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('a busy honest mesh', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('relays every member’s burst within the link and origin budgets: nothing dropped, no score lost', {
    timeout: 120_000,
  }, async () => {
    // What is tested is the budgets, not speed: on a loaded machine 400 proposals at once may take longer than
    // the default 10 s to gather their votes.
    mesh = new TestMesh(testNetwork(new Array(NODES).fill(10), {}, { proposalTimeoutMs: 60_000 }));
    const { rateLimitPerMinute, criticalRateLimitPerMinute } = mesh.network.params;
    // Most of each origin's burst, all at once: the relays in the middle of the line carry every origin's.
    const proposals = Math.floor(rateLimitPerMinute * 0.8);
    const revocations = Math.floor(criticalRateLimitPerMinute / 2);
    const nodes: TrustMeshNode[] = [];
    for (let i = 0; i < NODES; i++) nodes.push(await mesh.start(testKeyPair(i)));
    for (let i = 1; i < NODES; i++) await mesh.link(nodes[i]!, nodes[i - 1]!);
    const closes: Array<[string, ErrorCode | null]> = [];
    for (const node of nodes) node.on('peer:disconnected', (peer, code) => closes.push([peer, code]));
    const submitted: Array<{ node: TrustMeshNode; id: string; agentId: string; score: number }> = [];
    for (const [n, node] of nodes.entries()) {
      for (let i = 0; i < proposals; i++) {
        const agentId = `busy-${n}-${i}`;
        const score = (n * 131 + i) % 1001;
        const record = node.submit({ agentId, principalId: 'p', trustScore: score, event: 'SCORE_UPDATE' });
        submitted.push({ node, id: record.id, agentId, score });
      }
      for (let i = 0; i < revocations; i++)
        node.revoke({ agentId: `busy-${n}-${i}`, principalId: 'q', reason: 'busy' });
    }
    for (const { node, id } of submitted)
      assert.equal((await node.whenSettled(id)).state, 'committed', `${id} committed`);
    await waitFor(
      () =>
        nodes.every(
          (node) =>
            submitted.every(({ agentId, score }) => node.record(agentId, 'p')?.trustScore === score) &&
            nodes.every((_, n) => node.record(`busy-${n}-${revocations - 1}`, 'q')?.revoked === true),
        ),
      60_000,
      'every update and revocation stored on every node',
    );
    for (const node of nodes) {
      assert.equal(await rateLimitedDrops(node), 0, 'no frame or message dropped over a budget');
      for (const peer of node.peerSummaries()) assert.ok(peer.score >= 0, `a neighbour scored ${peer.score}`);
    }
    assert.deepEqual(closes, [], 'no link closed');
  });
});
