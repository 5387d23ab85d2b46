// Token reload without a restart (issue 18, item 5): a running `trust-mesh start --type bridge` takes a token made
// by `token create` and refuses one removed by `token revoke`, on a change of config.json and on SIGHUP.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createToken } from '../../src/api/auth.js';
import { watchTokens } from '../../src/api/token-reload.js';
import { TrustMeshClient } from '../../src/client/client.js';
import type { ApiToken } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { CliHarness, type CliProcess, initNode, startArgs, writeNetworkFile } from '../cli/cli-process.js';
import { waitFor } from '../support/mesh.js';

const refused = (error: Error & { code?: string }) => error.code === 'TM_ERR_UNAUTHORIZED';

describe('a running bridge reloads its API tokens', { timeout: 60_000 }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  const reloads = (bridge: CliProcess, trigger: string, tokens: number) =>
    bridge.logged('API tokens reloaded', (line) => line.trigger === trigger && line.tokens === tokens).length;

  test('token create works at once, token revoke stops a token at once, SIGHUP reloads too', async () => {
    const node = await initNode(cli);
    const network = writeNetworkFile(cli.tempDir(), [node.publicKey]);
    const create = async (name: string) => {
      const run = await cli.run([
        'token',
        'create',
        '--name',
        name,
        '--scopes',
        'read',
        '--data-dir',
        node.dataDir,
      ]);
      assert.equal(run.exit?.code, 0, run.stderr);
      return run.stdout.trim();
    };
    const first = await create('first');
    const bridge = cli.spawn([...startArgs(node.dataDir, network, 0), '--type', 'bridge', '--api-port', '0']);
    const url = String((await bridge.waitForLog('bridge API listening', 15_000)).url);
    const client = (token: string) => new TrustMeshClient({ baseUrl: url, token });
    assert.equal((await client(first).status()).nodeId, node.nodeId);

    const second = await create('second');
    await waitFor(() => reloads(bridge, 'file', 2) > 0 || !bridge.running, 10_000, 'reload after create');
    assert.equal((await client(second).status()).nodeId, node.nodeId, 'the new token works');

    const revoke = await cli.run(['token', 'revoke', '--name', 'first', '--data-dir', node.dataDir]);
    assert.equal(revoke.exit?.code, 0, revoke.stderr);
    await waitFor(() => reloads(bridge, 'file', 1) > 0 || !bridge.running, 10_000, 'reload after revoke');
    await assert.rejects(client(first).status(), refused, 'the deleted token is refused');
    assert.equal((await client(second).status()).nodeId, node.nodeId);

    bridge.kill('SIGHUP');
    await waitFor(() => reloads(bridge, 'SIGHUP', 1) > 0 || !bridge.running, 10_000, 'reload on SIGHUP');
    assert.ok(bridge.running, 'SIGHUP does not stop the bridge');
    assert.equal((await client(second).status()).nodeId, node.nodeId);

    bridge.kill('SIGTERM');
    assert.deepEqual(await bridge.waitForExit(5_000), { code: 0, signal: null }, bridge.stderr);
  });

  test('SIGHUP alone (no file watch): the change applies only on the signal; a broken file keeps the tokens', async () => {
    const dir = cli.tempDir();
    const path = join(dir, 'config.json');
    const a = createToken('a', ['read']).entry;
    const b = createToken('b', ['read']).entry;
    writeFileSync(path, JSON.stringify({ api: { tokens: [a] } }));
    const applied: Array<readonly ApiToken[]> = [];
    const reloader = watchTokens({
      dataDir: dir,
      logger: silentLogger(),
      apply: (tokens) => applied.push(tokens),
      watchFile: false,
    });
    try {
      writeFileSync(path, JSON.stringify({ api: { tokens: [a, b] } }));
      assert.equal(applied.length, 0, 'nothing until the signal');
      process.kill(process.pid, 'SIGHUP');
      await waitFor(() => applied.length === 1, 5_000, 'SIGHUP');
      assert.deepEqual(
        applied[0]?.map((token) => token.name),
        ['a', 'b'],
      );
      writeFileSync(path, '{ not json');
      assert.equal(reloader.reload('test'), false);
      assert.equal(applied.length, 1, 'a broken file applies nothing');
    } finally {
      reloader.close();
    }
  });
});
