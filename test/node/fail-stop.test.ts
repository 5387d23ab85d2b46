import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Message } from '../../src/core/messages/schemas.js';
import { internals } from '../../src/node/internals.js';
import { EntryMaker } from '../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

describe('fail-stop', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('a storage failure mid-turn stops the node before anything that turn produced leaves it', async () => {
    // N (0) is the node under test, M (1) its neighbour; R (2) and V (3) are driven by hand. R + V is a majority.
    mesh = new TestMesh(testNetwork([100, 100, 200, 100]));
    const dataDir = mesh.tempDir();
    const node = await mesh.start(testKeyPair(0), { dataDir });
    const neighbour = await mesh.start(testKeyPair(1));
    await mesh.link(node, neighbour);
    const maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
    const peer = await RawPeer.connect(node.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await peer.handshake();
    await waitFor(() => node.isConnectedTo(maker.signer(2).nodeId), 2_000, 'raw peer connected');
    const first = maker.commit(
      { agentId: 'agent', principalId: 'p' },
      { origin: 2, voters: [2, 3], commitId: 'c-b' },
    );
    peer.sendJson(first);
    await waitFor(() => neighbour.record('agent', 'p') !== null, 5_000, 'first commit everywhere');

    const relayed: Message[] = [];
    neighbour.on('message', (message) => relayed.push(message));
    const emitted: string[] = [];
    for (const event of ['message', 'committed', 'critical', 'blacklisted'] as const)
      node.on(event, () => emitted.push(event));
    const fatal = new Promise<unknown>((resolve) => node.once('fatal', resolve));
    // Another connection to the same file makes every COMMIT insert fail, as a full disk or corruption would.
    const saboteur = new Database(join(dataDir, 'trust-mesh.db'));
    saboteur.exec(
      "CREATE TRIGGER fail_commits BEFORE INSERT ON entries WHEN NEW.type = 'COMMIT' BEGIN SELECT RAISE(ABORT, 'injected'); END;",
    );
    saboteur.close();
    // A second commit of the same update: the node blacklists R (storing and gossiping a BLACKLIST) and then
    // fails to store the commit, all while handling this one message.
    peer.sendJson(maker.recommit(first, { commitId: 'c-a', voters: [2, 3] }));

    assert.ok((await fatal) instanceof Error);
    await waitFor(() => !node.running, 2_000, 'node stopped');
    await waitFor(() => !neighbour.isConnectedTo(node.nodeId), 5_000, 'neighbour saw it go');
    assert.deepEqual(relayed, [], 'the BLACKLIST made in the failed turn never left the node');
    assert.deepEqual(emitted, [], 'and no event of that turn was emitted');
    assert.equal(internals(neighbour).engine.registry.isBlacklisted(maker.signer(2).nodeId), false);
    const reopened = new Database(join(dataDir, 'trust-mesh.db'), { readonly: true });
    const blacklists = reopened
      .prepare("SELECT COUNT(*) AS n FROM entries WHERE type = 'BLACKLIST'")
      .get() as { n: number };
    reopened.close();
    assert.equal(blacklists.n, 0, 'the turn was rolled back');
  });

  test("a storage failure while a light node imports a full node's answer stops it too (fail-stop)", async () => {
    mesh = new TestMesh(testNetwork([100, 0]));
    const full = await mesh.start(testKeyPair(0));
    full.submit({ agentId: 'a', principalId: 'p', trustScore: 400, event: 'REGISTRATION' });
    await waitFor(() => full.record('a', 'p') !== null, 5_000, 'a commit at the full node');
    const dataDir = mesh.tempDir();
    const light = await mesh.start(testKeyPair(1), { type: 'light', dataDir });
    await mesh.link(light, full);
    const saboteur = new Database(join(dataDir, 'trust-mesh.db'));
    saboteur.exec(
      "CREATE TRIGGER fail_commits BEFORE INSERT ON entries WHEN NEW.type = 'COMMIT' BEGIN SELECT RAISE(ABORT, 'injected'); END;",
    );
    saboteur.close();
    let fatal: unknown = null;
    light.once('fatal', (error) => (fatal = error));
    await light.lookupRecord('a', 'p').catch(() => undefined);
    await waitFor(() => fatal !== null, 10_000, 'the failed import to be fatal, as any failed turn');
    assert.ok(fatal instanceof Error);
    await waitFor(() => !light.running, 2_000, 'light node stopped');
  });
});
