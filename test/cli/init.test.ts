// Acceptance tests of `trust-mesh init` and of start-up configuration errors (issue #2, item 9), run as the user
// would: the real bin/trust-mesh.js in a child process, against a temporary data directory.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CliHarness } from './cli-process.js';

interface KeyFile {
  nodeId: string;
  publicKey: string;
  seed: string;
}

const readKey = (dir: string) => JSON.parse(readFileSync(join(dir, 'node-key.json'), 'utf8')) as KeyFile;
const mode = (path: string) => statSync(path).mode & 0o777;

// Each test has its own data directories, so they run side by side; the harness is cleaned once at the end.
describe('trust-mesh init', { timeout: 60_000, concurrency: true }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  test('creates node-key.json (mode 0600) and config.json', async () => {
    const dir = join(cli.tempDir(), 'node');
    const run = await cli.run(['init', '--data-dir', dir]);
    assert.equal(run.exit?.code, 0, run.stderr);
    const keyPath = join(dir, 'node-key.json');
    assert.equal(mode(keyPath), 0o600);
    assert.ok(existsSync(join(dir, 'config.json')));
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), {});
    const key = readKey(dir);
    const raw = Buffer.from(key.publicKey, 'base64');
    assert.equal(raw.length, 32);
    assert.equal(key.nodeId, createHash('sha256').update(raw).digest('hex'));
    assert.ok(run.stdout.includes(key.nodeId), 'init prints the node id');
    assert.ok(run.stdout.includes(keyPath), 'and where the key is');
  });

  test('a second init refuses to replace the key (exit 1, naming the key file); --force replaces it', async () => {
    const dir = cli.tempDir();
    assert.equal((await cli.run(['init', '--data-dir', dir])).exit?.code, 0);
    const keyPath = join(dir, 'node-key.json');
    const original = readFileSync(keyPath, 'utf8');

    const again = await cli.run(['init', '--data-dir', dir]);
    assert.equal(again.exit?.code, 1);
    assert.ok(again.stderr.includes(keyPath), again.stderr);
    assert.match(again.stderr, /TM_ERR_KEY_EXISTS/);
    assert.match(again.stderr, /--force/);
    assert.equal(readFileSync(keyPath, 'utf8'), original, 'the key is untouched');

    const forced = await cli.run(['init', '--data-dir', dir, '--force']);
    assert.equal(forced.exit?.code, 0, forced.stderr);
    assert.notEqual(readKey(dir).publicKey, JSON.parse(original).publicKey, 'a new identity');
    assert.equal(mode(keyPath), 0o600);
  });

  test('init keeps the flags it is given in config.json, and refuses invalid ones', async () => {
    const dir = cli.tempDir();
    const run = await cli.run(['init', '--data-dir', dir, '--port', '9400', '--type', 'light']);
    assert.equal(run.exit?.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), {
      port: 9400,
      type: 'light',
    });

    const badDir = cli.tempDir();
    const bad = await cli.run(['init', '--data-dir', badDir, '--port', '70000']);
    assert.equal(bad.exit?.code, 1);
    assert.match(bad.stderr, /TM_ERR_CONFIG_INVALID: port \(from [^)]+\) must be an integer from 0 to 65535/);
    assert.equal(existsSync(join(badDir, 'node-key.json')), false, 'nothing is written before the check');
  });
});

describe('trust-mesh start refuses invalid settings, naming the key and what is allowed', {
  timeout: 60_000,
  concurrency: true,
}, () => {
  const cli = new CliHarness();
  /** One initialised node for all three: a refused start changes nothing in it. */
  let dir: string;
  before(async () => {
    dir = cli.tempDir();
    assert.equal((await cli.run(['init', '--data-dir', dir])).exit?.code, 0);
  });
  after(() => cli.cleanup());

  test('--port eighty', async () => {
    const run = await cli.run(['start', '--data-dir', dir, '--port', 'eighty']);
    assert.notEqual(run.exit?.code, 0);
    assert.match(run.stderr, /TM_ERR_CONFIG_INVALID/);
    assert.match(run.stderr, /port \(from --port\) must be an integer from 0 to 65535, got "eighty"/);
  });

  test('TRUST_MESH_PORT=eighty', async () => {
    const run = await cli.run(['start', '--data-dir', dir], { TRUST_MESH_PORT: 'eighty' });
    assert.notEqual(run.exit?.code, 0);
    assert.match(
      run.stderr,
      /port \(from TRUST_MESH_PORT\) must be an integer from 0 to 65535, got "eighty"/,
    );
  });

  test('--type of an unknown kind names the choices', async () => {
    const run = await cli.run(['start', '--data-dir', dir, '--type', 'huge']);
    assert.notEqual(run.exit?.code, 0);
    assert.match(run.stderr, /--type/);
    assert.match(run.stderr, /full, light, bridge/);
  });
});
