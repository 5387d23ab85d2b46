// The examples/ folder and the systemd unit in deploy/ (issue 18, Build 7): each example runs against a real
// bridge as its header says, and the unit starts the node with options the CLI has.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BridgeApi } from '../../src/api/server.js';
import { ApiMesh, writer } from '../api/support.js';
import { CliHarness, REPO_ROOT } from '../cli/cli-process.js';
import { testNetwork } from '../support/fixtures.js';

describe('examples and deployment files', { timeout: 60_000 }, () => {
  const mesh = new ApiMesh(testNetwork([100]));
  const cli = new CliHarness();
  let api: BridgeApi;
  before(async () => {
    ({ api } = await mesh.bridge(0));
  });
  after(async () => {
    await cli.cleanup();
    await mesh.cleanup();
  });

  test('examples/submit-and-follow.mjs submits, sees the commit on the stream and reads the record', async () => {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'examples/submit-and-follow.mjs'), 'example-test-agent'],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, TRUST_MESH_API: api.url, TRUST_MESH_TOKEN: writer.token },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^submitted \S+: (pending|committed)$/m);
    assert.match(stdout, /^committed: 1 vote\(s\), accepting stake 100 of 100$/m);
    assert.match(stdout, /^stream seq \d+: COMMIT example-test-agent\/example-user 720$/m);
    assert.match(stdout, /^record example-test-agent\/example-user: score 720, revoked false$/m);
  });

  test('the systemd unit starts `trust-mesh start` with options it has, reloads with SIGHUP, stops with SIGTERM', async () => {
    const unit = readFileSync(join(REPO_ROOT, 'deploy/systemd/trust-mesh.service'), 'utf8');
    const exec = /^ExecStart=\/usr\/bin\/env trust-mesh (start .*)$/m.exec(unit);
    assert.ok(exec, 'ExecStart runs trust-mesh start');
    const help = await cli.run(['start', '--help']);
    for (const flag of exec[1]!.match(/--[a-z-]+/g) ?? []) assert.ok(help.stdout.includes(flag), flag);
    assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    assert.match(unit, /^KillSignal=SIGTERM$/m);
  });
});
