// Bad input a new user hit (issue 18), run as the user would: ports in use, `config set` with a bad value, a data
// directory that does not exist, a network member without a key. Each answers one clear line and exits 1.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CliHarness, initNode, startArgs, writeNetworkFile } from './cli-process.js';

/** A port some other program holds, for the length of the tests. */
async function occupiedPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, port: address.port };
}

describe('trust-mesh with bad input answers one clear line (issue 18)', {
  timeout: 60_000,
  concurrency: true,
}, () => {
  const cli = new CliHarness();
  let node: { dataDir: string; publicKey: string };
  let network: string;
  let busy: { server: Server; port: number };
  before(async () => {
    node = await initNode(cli);
    network = writeNetworkFile(cli.tempDir(), [node.publicKey]);
    busy = await occupiedPort();
  });
  after(async () => {
    await new Promise((resolve) => busy.server.close(resolve));
    await cli.cleanup();
  });

  test('start with the mesh port in use: TM_ERR_CONFIG_INVALID naming the port and the setting', async () => {
    const run = await cli.run(startArgs(node.dataDir, network, busy.port));
    assert.equal(run.exit?.code, 1, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0]!,
      new RegExp(
        `^trust-mesh: TM_ERR_CONFIG_INVALID: cannot listen on 127\\.0\\.0\\.1:${busy.port}: the port is in use \\(EADDRINUSE\\); the port is the setting port \\(from flag\\): choose another with --port, TRUST_MESH_PORT or "port" in config\\.json$`,
      ),
    );
    assert.doesNotMatch(run.stderr, /Unhandled|at Server/);
  });

  test('start --type bridge with the API port in use names api.port', async () => {
    // A node of its own: the tests run side by side, and one data directory takes one process at a time.
    const bridge = await initNode(cli);
    const run = await cli.run([
      ...startArgs(bridge.dataDir, writeNetworkFile(cli.tempDir(), [bridge.publicKey]), 0),
      ...['--type', 'bridge', '--api-port', String(busy.port)],
    ]);
    assert.equal(run.exit?.code, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busy.port}: the port is in use`));
    assert.match(
      run.stderr,
      /the setting api\.port \(from flag\): choose another with --api-port, TRUST_MESH_API_PORT/,
    );
  });

  test('config set port abc blames config set, not --port', async () => {
    const run = await cli.run(['config', 'set', 'port', 'abc', '--data-dir', node.dataDir]);
    assert.equal(run.exit?.code, 1);
    assert.equal(
      run.stderr.trim(),
      'trust-mesh: TM_ERR_CONFIG_INVALID: port (from config set) must be an integer from 0 to 65535, got "abc"',
    );
  });

  test('token and config set on a data directory that does not exist: a clean error, nothing created', async () => {
    const missing = join(cli.tempDir(), 'no-such-node');
    const runs = await Promise.all([
      cli.run(['token', 'create', '--name', 'me', '--data-dir', missing]),
      cli.run(['token', 'list', '--data-dir', missing]),
      cli.run(['config', 'set', 'port', '9000', '--data-dir', missing]),
    ]);
    for (const run of runs) {
      assert.equal(run.exit?.code, 1, run.stderr);
      assert.match(
        run.stderr.trim(),
        /^trust-mesh: TM_ERR_CONFIG_INVALID: no data directory at .*no-such-node/,
      );
      assert.match(run.stderr, /trust-mesh init --data-dir/);
      assert.equal(run.stdout, '');
    }
    assert.equal(existsSync(missing), false);
  });

  test('network create --member key=<a directory without a key>: TM_ERR_KEY_MISSING, not ENOENT', async () => {
    const empty = join(cli.tempDir(), 'empty');
    mkdirSync(empty);
    const out = join(cli.tempDir(), 'network.json');
    const run = await cli.run([
      'network',
      'create',
      '--id',
      'x',
      '-o',
      out,
      '--member',
      `key=${empty},stake=1`,
    ]);
    assert.equal(run.exit?.code, 1);
    assert.match(
      run.stderr.trim(),
      /^trust-mesh: TM_ERR_KEY_MISSING: --member key=.*empty: that data directory has no node-key\.json/,
    );
    assert.doesNotMatch(run.stderr, /ENOENT/);
    assert.equal(existsSync(out), false);
  });
});
