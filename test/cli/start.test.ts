// Acceptance tests of `trust-mesh start` shutdown (issue #2, item 9): SIGTERM and SIGINT stop a running node
// with exit code 0 within 5 s, its database closed cleanly (no WAL left behind) and reopened fine on restart.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CliHarness, type CliProcess, initNode, startArgs, writeNetworkFile } from './cli-process.js';

describe('trust-mesh start stops cleanly on SIGTERM and SIGINT', { timeout: 60_000 }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  test('each signal: exit code 0 within 5 s, storage closed, and the next start opens it', async () => {
    const node = await initNode(cli);
    const network = writeNetworkFile(cli.tempDir(), [node.publicKey]);
    const wal = join(node.dataDir, 'trust-mesh.db-wal');

    const start = async (): Promise<CliProcess> => {
      const running = cli.spawn(startArgs(node.dataDir, network, 0));
      const started = await running.waitForLog('node started', 15_000);
      assert.equal(started.nodeId, node.nodeId);
      assert.equal(started.network, 'cli-test-net');
      return running;
    };

    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const running = await start();
      assert.ok(existsSync(wal), 'the database is open in WAL mode');
      const sentAt = Date.now();
      running.kill(signal);
      const exit = await running.waitForExit(5_000);
      assert.deepEqual(exit, { code: 0, signal: null }, `${signal}: ${running.stderr}`);
      assert.ok(Date.now() - sentAt < 5_000);
      assert.equal(running.logged('shutting down')[0]?.signal, signal);
      assert.equal(running.logged('node stopped').length, 1);
      assert.deepEqual(
        running.logs.filter((line) => line.level >= 50),
        [],
        'no errors logged',
      );
      // SQLite removes the write-ahead log only when the last connection closes cleanly.
      assert.equal(existsSync(wal), false, `${signal}: the database was closed`);
    }

    // For contrast: a node killed outright leaves its WAL behind, and the next start still opens the database.
    const killed = await start();
    killed.kill('SIGKILL');
    assert.equal((await killed.waitForExit(5_000)).signal, 'SIGKILL');
    assert.equal(existsSync(wal), true);
    const recovered = await start();
    recovered.kill('SIGTERM');
    assert.deepEqual(await recovered.waitForExit(5_000), { code: 0, signal: null }, recovered.stderr);
    assert.equal(existsSync(wal), false);
  });
});
