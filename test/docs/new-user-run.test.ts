// The scripted new-user run's reading of the README (issue 18, acceptance 1): the steps it takes from the README's
// markers are the quick start, the CLI setup, the walkthrough and the client example, in the README's order.
// The run itself (npm ci twice, in a fresh clone) is .ci/new-user; here it only refuses a working checkout.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../cli/cli-process.js';

const SCRIPT = join(REPO_ROOT, 'scripts/new-user-run.mjs');
const run = promisify(execFile);

describe('scripts/new-user-run.mjs', () => {
  test('--list: the README steps a new user takes, in order, with the client example inside the walkthrough', async () => {
    const { stdout } = await run(process.execPath, [SCRIPT, '--list'], { cwd: REPO_ROOT });
    const kinds = [...stdout.matchAll(/^README line \d+ {2}(.+)$/gm)].map((match) => match[1]);
    assert.deepEqual(kinds, [
      'until-ctrl-c',
      'until-ctrl-c (left to CI)',
      'run',
      'until-ctrl-c',
      'until-ctrl-c (left to CI)',
      'run',
      'run',
      'run',
      'walkthrough',
    ]);
    const order = [
      'npm ci && npm run devnet',
      'npm ci && npm test',
      'npm link',
      'trust-mesh --help',
      '    trust-mesh devnet    # five real nodes',
      'trust-mesh devnet --nodes 5 --scenario smoke --json',
      '# 1. a key and config.json per node',
      '# 6. a revocation',
      'node examples/submit-and-follow.mjs',
      '# 7. stop the nodes',
    ].map((text) => stdout.indexOf(text));
    assert.ok(!order.includes(-1), `every step is listed: ${order}`);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      'in the README order',
    );
  });

  test('refuses to run in a checkout with node_modules: the README begins with npm ci, which deletes it', async () => {
    const failed = await run(process.execPath, [SCRIPT], { cwd: REPO_ROOT }).then(
      () => assert.fail('ran in a working checkout'),
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /not a fresh clone\. Run \.ci\/new-user/);
    assert.equal(failed.stdout, '', 'no step ran');
  });
});
