// Shell completion (issue 18, Build 2): `trust-mesh completion bash` prints a script that bash sources, and it
// completes commands, nested commands and each command's own options, made from the commands themselves.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { CliHarness } from './cli-process.js';

/** What the script offers for a command line typed so far (the last word is the one being completed). */
function complete(script: string, line: string): string[] {
  const run = spawnSync(
    'bash',
    [
      '-c',
      `${script}\nread -ra COMP_WORDS <<< "$LINE"; [[ "$LINE" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _trust_mesh; echo "\${COMPREPLY[*]}"`,
    ],
    { env: { PATH: process.env.PATH, LINE: line }, encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim().split(' ').filter(Boolean).sort();
}

describe('trust-mesh completion', { timeout: 30_000 }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  test('bash: commands, nested commands and options', async () => {
    const printed = await cli.run(['completion', 'bash']);
    assert.equal(printed.exit?.code, 0, printed.stderr);
    const script = printed.stdout;
    assert.match(script, /complete -o default -F _trust_mesh trust-mesh/);
    assert.deepEqual(complete(script, 'trust-mesh s'), ['simulate', 'start', 'status', 'submit']);
    assert.deepEqual(complete(script, 'trust-mesh w'), ['watch']);
    assert.deepEqual(complete(script, 'trust-mesh network c'), ['create']);
    assert.deepEqual(complete(script, 'trust-mesh submit --ag'), ['--agent']);
    assert.deepEqual(complete(script, 'trust-mesh start --data-dir /tmp/x --no-'), [
      '--no-api-public-reads',
      '--no-bootstrap',
      '--no-validator',
    ]);
    assert.deepEqual(complete(script, 'trust-mesh token create --'), [
      '--data-dir',
      '--help',
      '--name',
      '--scopes',
    ]);
  });

  test('zsh gets the same script through bashcompinit; other shells are refused', async () => {
    const zsh = await cli.run(['completion', 'zsh']);
    assert.match(zsh.stdout, /^autoload -U \+X bashcompinit && bashcompinit\n/);
    const fish = await cli.run(['completion', 'fish']);
    assert.equal(fish.exit?.code, 1);
    assert.match(fish.stderr, /fish is not supported/);
  });
});
