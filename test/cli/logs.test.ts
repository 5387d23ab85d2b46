// What a normal start and stop log (issue 18, item 8): two nodes that dial each other settle on one link without
// logging TM_ERR_DUPLICATE_CONNECTION at info or above, and shutdowns log no `"code": null`.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { waitFor } from '../support/mesh.js';
import { CliHarness, initNode, startArgs, writeNetworkFile } from './cli-process.js';

/** Ports free a moment ago, for two nodes that must know each other's address before either starts. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve) =>
          server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
        ),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

describe('normal start and stop logs', { timeout: 60_000 }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  test('two nodes dialling each other: no duplicate-connection noise, no "code": null', async () => {
    const [a, b] = await Promise.all([initNode(cli), initNode(cli)]);
    const network = writeNetworkFile(cli.tempDir(), [a.publicKey, b.publicKey]);
    const [portA, portB] = await freePorts(2);
    const mesh = (port: number) => `ws://127.0.0.1:${port}/mesh`;
    const nodeA = cli.spawn(startArgs(a.dataDir, network, portA!, [mesh(portB!)]));
    const nodeB = cli.spawn(startArgs(b.dataDir, network, portB!, [mesh(portA!)]));
    await Promise.all([
      nodeA.waitForLog('peer connected', 15_000),
      nodeB.waitForLog('peer connected', 15_000),
    ]);
    for (const node of [nodeA, nodeB]) node.kill('SIGTERM');
    for (const node of [nodeA, nodeB]) {
      assert.deepEqual(await node.waitForExit(5_000), { code: 0, signal: null }, node.stderr);
    }
    await waitFor(
      () => nodeA.logged('node stopped').length + nodeB.logged('node stopped').length === 2,
      1_000,
      'logs',
    );
    for (const node of [nodeA, nodeB]) {
      const noisy = node.logs.filter(
        (line) => line.level >= 30 && JSON.stringify(line).includes('TM_ERR_DUPLICATE_CONNECTION'),
      );
      assert.deepEqual(noisy, [], 'a duplicate link is resolved quietly');
      assert.doesNotMatch(node.stdout, /"code":\s*null/);
      assert.equal(node.stderr, '');
    }
  });
});
