// Acceptance test of reconnection as a user would check it (issue #2, item 8): two `trust-mesh start` processes
// connect, one is killed with SIGKILL and restarted on the same port, and they are connected again within 10 s.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { waitFor } from '../support/mesh.js';
import {
  CliHarness,
  type CliProcess,
  initNode,
  type LogLine,
  startArgs,
  writeNetworkFile,
} from './cli-process.js';

describe('two trust-mesh processes reconnect after one is killed', { timeout: 90_000 }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  test('SIGKILL one, restart it on the same port: reconnected within 10 s', async () => {
    const [a, b] = [await initNode(cli), await initNode(cli)];
    const network = writeNetworkFile(cli.tempDir(), [a.publicKey, b.publicKey]);
    const connectedTo =
      (nodeId: string) =>
      (line: LogLine): boolean =>
        nodeId.startsWith(String(line.peer));

    let listener: CliProcess = cli.spawn(startArgs(a.dataDir, network, 0));
    const endpoint = String((await listener.waitForLog('node started', 15_000)).endpoint);
    const port = Number(new URL(endpoint).port);
    assert.ok(port > 0);
    const dialler = cli.spawn(startArgs(b.dataDir, network, 0, [endpoint]));
    await dialler.waitForLog('peer connected', 15_000, connectedTo(a.nodeId));
    await listener.waitForLog('peer connected', 5_000, connectedTo(b.nodeId));

    listener.kill('SIGKILL');
    assert.equal((await listener.waitForExit(5_000)).signal, 'SIGKILL');
    await dialler.waitForLog('peer disconnected', 5_000, connectedTo(a.nodeId));

    const restartedAt = Date.now();
    listener = cli.spawn(startArgs(a.dataDir, network, port));
    const restarted = await listener.waitForLog('node started', 15_000);
    assert.equal(restarted.endpoint, endpoint, 'same port, same endpoint');
    assert.equal(restarted.nodeId, a.nodeId, 'same key');
    await listener.waitForLog('peer connected', 10_000, connectedTo(b.nodeId));
    // At least a second one: when both ends dial each other at once, the dialler may establish both connections,
    // one replacing the other (duplicate resolution), and log each.
    await waitFor(
      () => dialler.logged('peer connected', connectedTo(a.nodeId)).length >= 2,
      10_000,
      'the dialler to log the second connection',
    ).catch((error: Error) => {
      // What the dialler said about its peers since the kill, so that a failure shows why.
      const since = dialler.logs.filter((line) => Number(line.time ?? 0) >= restartedAt - 5_000);
      throw new Error(
        `${error.message}; the dialler logged:\n${since.map((line) => JSON.stringify(line)).join('\n')}`,
      );
    });
    const took = Date.now() - restartedAt;
    assert.ok(took < 10_000, `reconnected ${took} ms after the restart`);
    assert.ok(dialler.running, 'the other node never stopped');
  });
});
