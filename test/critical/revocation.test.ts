import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { devnetTopology, diameter } from '../../src/devnet/devnet.js';
import { internals } from '../../src/node/internals.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { TestMesh, waitFor } from '../support/mesh.js';

describe('revocations propagate immediately, without votes', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('on a 10-node multi-hop mesh every node applies a revocation before any concurrent proposal commits', async () => {
    const count = 10;
    mesh = new TestMesh(testNetwork(Array.from({ length: count }, () => 100)));
    const nodes: TrustMeshNode[] = [];
    for (let i = 0; i < count; i++) nodes.push(await mesh.start(testKeyPair(i)));
    const edges = devnetTopology(count);
    assert.ok(diameter(count, edges) >= 3, 'messages must cross several hops');
    for (const [a, b] of edges) await mesh.link(nodes[a]!, nodes[b]!);

    // Per node, the order in which it applied things.
    const applied = nodes.map(() => [] as string[]);
    nodes.forEach((node, index) => {
      node.on('committed', (commit) => applied[index]!.push(`commit:${commit.update.id}`));
      node.on('critical', (event) => applied[index]!.push(`critical:${event.type}`));
    });

    const proposals = [1, 4, 7].map((i) =>
      nodes[i]!.submit({
        agentId: `agent-${i}`,
        principalId: 'p',
        trustScore: 400 + i,
        event: 'SCORE_UPDATE',
      }),
    );
    const revocation = nodes[5]!.revoke({ agentId: 'agent-1', principalId: 'p', reason: 'compromised' });

    await waitFor(
      () =>
        applied.every(
          (list) => list.filter((item) => item.startsWith('commit:')).length === proposals.length,
        ),
      15_000,
      'every commit everywhere',
    );
    for (const [index, list] of applied.entries()) {
      assert.equal(list[0], 'critical:REVOCATION', `node ${index} applied ${list[0]} first`);
    }
    for (const node of nodes) {
      assert.equal(
        node.record('agent-1', 'p')?.revoked,
        true,
        'the revocation outlives the later-committed score',
      );
      assert.ok(internals(node).store.has(`REVOCATION:${revocation.origin}:${revocation.id}`));
    }
    assert.equal(new Set(nodes.map((node) => node.stateHash())).size, 1);
  });

  test('a revoked record is lifted only by a later committed REINSTATEMENT', async () => {
    mesh = new TestMesh(testNetwork([100, 100]));
    const a = await mesh.start(testKeyPair(0));
    const b = await mesh.start(testKeyPair(1));
    await mesh.link(a, b);
    const first = await a.whenSettled(
      a.submit({ agentId: 'x', principalId: 'p', trustScore: 700, event: 'REGISTRATION' }).id,
    );
    assert.equal(first.state, 'committed');
    b.revoke({ agentId: 'x', principalId: 'p', reason: 'key leaked' });
    await waitFor(() => a.record('x', 'p')?.revoked === true, 5_000, 'revocation at a');
    const score = await a.whenSettled(
      a.submit({ agentId: 'x', principalId: 'p', trustScore: 900, event: 'SCORE_UPDATE' }).id,
    );
    assert.equal(score.state, 'committed');
    assert.equal(a.record('x', 'p')?.revoked, true, 'a score update does not lift a revocation');
    assert.equal(a.record('x', 'p')?.trustScore, 900);
    const reinstated = await a.whenSettled(
      a.submit({ agentId: 'x', principalId: 'p', trustScore: 650, event: 'REINSTATEMENT' }).id,
    );
    assert.equal(reinstated.state, 'committed');
    await waitFor(() => b.record('x', 'p')?.revoked === false, 5_000, 'reinstatement at b');
    assert.equal(a.record('x', 'p')?.revoked, false);
    assert.deepEqual(
      a.record('x', 'p')?.updateHistory.map((item) => item.event),
      ['REGISTRATION', 'REVOCATION', 'SCORE_UPDATE', 'REINSTATEMENT'],
    );
  });

  test('a REINSTATEMENT lifts the revocations its proposer knew of, not one issued elsewhere meanwhile', async () => {
    // a alone holds the stake; b is a member without stake. They are linked only after both revoked.
    mesh = new TestMesh(testNetwork([100, 0]));
    const a = await mesh.start(testKeyPair(0));
    const b = await mesh.start(testKeyPair(1));
    await a.whenSettled(
      a.submit({ agentId: 'x', principalId: 'p', trustScore: 700, event: 'REGISTRATION' }).id,
    );
    const known = a.revoke({ agentId: 'x', principalId: 'p', reason: 'first' });
    b.revoke({ agentId: 'x', principalId: 'p', reason: 'second' });
    await mesh.link(a, b);
    const reinstated = await a.whenSettled(
      a.submit({ agentId: 'x', principalId: 'p', trustScore: 650, event: 'REINSTATEMENT' }).id,
    );
    assert.equal(reinstated.state, 'committed');
    assert.deepEqual(reinstated.update.payload.lifts, [`REVOCATION:${known.origin}:${known.id}`]);
    await waitFor(() => b.record('x', 'p')?.trustScore === 650, 5_000, 'reinstatement at b');
    assert.equal(a.record('x', 'p')?.revoked, false);
    assert.equal(b.record('x', 'p')?.revoked, true, "b's own revocation was not named, so it stands");
  });
});
