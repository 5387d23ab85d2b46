// POST /v1/events answers with the update's real state (committed or rejected at once where the bridge's own vote
// decides it), and the client's waitForUpdate gives up with its own code, not a protocol one, when it stays pending.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CLIENT_CODES, TrustMeshApiError, TrustMeshClient } from '../../src/client/client.js';
import { testNetwork } from '../support/fixtures.js';
import { ApiMesh, writer } from './support.js';

const event = () =>
  ({ agentId: 'agent-1', principalId: 'principal-1', trustScore: 750, event: 'SCORE_UPDATE' }) as const;

describe('POST /v1/events: the state the update is in when the answer leaves', () => {
  const meshes: ApiMesh[] = [];
  after(() => Promise.all(meshes.map((mesh) => mesh.cleanup())));

  /** A bridge (node 0, voting) on its own network; node 0's stake is stakes[0]. */
  async function clientOn(stakes: number[], validator = true): Promise<TrustMeshClient> {
    const mesh = new ApiMesh(testNetwork(stakes));
    meshes.push(mesh);
    const { api } = await mesh.bridge(0, {}, { validator });
    return new TrustMeshClient({ baseUrl: api.url, token: writer.token });
  }

  test('committed when the bridge is the only validator: its own vote is the quorum', async () => {
    const client = await clientOn([100]);
    const submitted = await client.submitEvent(event());
    assert.equal(submitted.status, 'committed');
    assert.equal(submitted.rejection, undefined);
    assert.equal((await client.update(submitted.id))?.status, 'committed');
  });

  test('rejected when no stake can ever accept it, with the reason', async () => {
    // A network without stake, and a bridge that does not vote: the engine settles the proposal inside submit.
    const client = await clientOn([0], false);
    const submitted = await client.submitEvent(event());
    const status = await client.update(submitted.id);
    assert.equal(status?.status, 'rejected', 'the node itself settled it at once');
    assert.equal(submitted.status, 'rejected');
    assert.equal(submitted.rejection, status?.rejection);
  });

  test('pending while other validators have yet to vote', async () => {
    const client = await clientOn([100, 100, 100]);
    const submitted = await client.submitEvent(event());
    assert.equal(submitted.status, 'pending');
    assert.equal(submitted.links.self, `/v1/updates/${submitted.id}`);
  });

  test('waitForUpdate gives up with TM_ERR_CLIENT_TIMEOUT (status 0) and says the update may still commit', async () => {
    // Node 0 holds all the stake but does not vote, so the update stays pending until its deadline.
    const client = await clientOn([100], false);
    const { id, status } = await client.submitEvent(event());
    assert.equal(status, 'pending');
    await assert.rejects(client.waitForUpdate(id, { timeoutMs: 150, intervalMs: 20 }), (error: unknown) => {
      assert.ok(error instanceof TrustMeshApiError);
      assert.equal(error.code, CLIENT_CODES.timeout);
      assert.equal(error.code, 'TM_ERR_CLIENT_TIMEOUT');
      assert.equal(error.status, 0);
      assert.match(error.message, /still pending after 150 ms; it may still commit/);
      assert.ok(error.message.includes(id));
      return true;
    });
    assert.equal((await client.update(id))?.status, 'pending', 'nothing expired on the mesh');
  });
});
