import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readNetworkFile } from '../../src/config/network-file.js';
import { internals } from '../../src/node/internals.js';
import { loadKey } from '../../src/node/key-file.js';
import { TrustMeshNode } from '../../src/node/node.js';
import { waitFor } from '../support/mesh.js';

const BIN = fileURLToPath(new URL('../../../bin/trust-mesh.js', import.meta.url));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TRUST_MESH_DATA_DIR: '' },
  });

describe('operator commands: network files and offline key rotation', () => {
  let dir: string;
  const nodes: TrustMeshNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('network create/show, then rotate-key on a stopped node: its peers follow the new id and it still commits', async () => {
    dir = mkdtempSync(join(tmpdir(), 'trust-mesh-ops-'));
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    const networkPath = join(dir, 'network.json');
    assert.equal(cli('init', '--data-dir', a, '--port', '0').status, 0);
    assert.equal(cli('init', '--data-dir', b, '--port', '0').status, 0);
    const created = cli(
      'network',
      'create',
      '--id',
      'ops-net',
      '-o',
      networkPath,
      '--member',
      `key=${a},stake=100,name=a`,
      '--member',
      `key=${b},stake=100,name=b`,
    );
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /2 members, total stake 200/);
    const shown = cli('network', 'show', networkPath);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /stake +100 \( +50\.0%\)/);
    const network = readNetworkFile(networkPath);
    const oldB = network.nodes[1]!.nodeId!;

    const rotated = cli('rotate-key', '--data-dir', b, '--network', networkPath);
    assert.equal(rotated.status, 0, rotated.stderr);
    const newB = /new node id +([0-9a-f]{64})/.exec(rotated.stdout)?.[1];
    assert.ok(newB && newB !== oldB);
    // A second rotation of the same stopped node would chain; once running, the data dir is locked.
    const options = (dataDir: string) => ({
      dataDir,
      network,
      key: loadKey(dataDir),
      host: '127.0.0.1',
      port: 0,
      storageSync: 'normal' as const,
    });
    const nodeA = await TrustMeshNode.start(options(a));
    nodes.push(nodeA);
    const nodeB = await TrustMeshNode.start(options(b));
    nodes.push(nodeB);
    assert.equal(nodeB.nodeId, newB);
    const busy = cli('rotate-key', '--data-dir', b, '--network', networkPath);
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, /TM_ERR_DATA_DIR_IN_USE/);

    nodeB.addPeer(nodeA.endpoint);
    await waitFor(
      () => internals(nodeA).engine.registry.currentId(oldB) === newB,
      // B's new id is not in the network file, so it first proves 20 bits of admission work (about a million
      // hashes: under a second idle, several on a loaded machine) before A admits it and hears of the rotation.
      30_000,
      'a to learn the rotation',
    );
    assert.equal(internals(nodeA).engine.registry.stakeOf(newB), 100);
    const settled = await nodeB.whenSettled(
      nodeB.submit({ agentId: 'x', principalId: 'p', trustScore: 77, event: 'REGISTRATION' }).id,
    );
    assert.equal(settled.state, 'committed');
    assert.equal(settled.acceptWeight, 200);
  });
});
