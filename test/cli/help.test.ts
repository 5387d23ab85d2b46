// The help a new user reads (issue 18, item 7): commands grouped into node and client commands, examples, required
// options marked, the --no-… switches listed, and every timeout in milliseconds.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram, type CliContext } from '../../src/cli/main.js';
import { CliHarness } from './cli-process.js';

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

describe('trust-mesh help', { timeout: 60_000, concurrency: true }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  test('the top-level help groups node and client commands and shows examples', async () => {
    const run = await cli.run(['--help']);
    assert.equal(run.exit?.code, 0, run.stderr);
    const node = run.stdout.indexOf('Node commands');
    const client = run.stdout.indexOf('Client commands');
    assert.ok(node > 0 && client > node, run.stdout);
    const between = run.stdout.slice(node, client);
    for (const name of ['init', 'start', 'token', 'config', 'network'])
      assert.match(between, new RegExp(`\\n  ${name} `));
    const after = run.stdout.slice(client);
    for (const name of ['submit', 'revoke', 'get', 'status'])
      assert.match(after, new RegExp(`\\n  ${name} `));
    assert.match(run.stdout, /Examples:\n {2}node bin\/trust-mesh\.js/);
  });

  test('required options say so; start lists --no-bootstrap and --no-validator', async () => {
    const [submit, start, token] = await Promise.all([
      cli.run(['submit', '--help']),
      cli.run(['start', '--help']),
      cli.run(['token', 'create', '--help']),
    ]);
    for (const flag of ['--agent <id>', '--principal <id>', '--score <0-1000>'])
      assert.match(submit.stdout, new RegExp(`${flag.replace(/[-<>]/g, '\\$&')}\\s+[^\\n]*\\(required\\)`));
    assert.match(submit.stdout, /Examples:\n {2}trust-mesh submit/);
    assert.match(token.stdout, /--name <name>\s+[^(]*\(required\)\n {2}--scopes/);
    assert.match(start.stdout, /--no-bootstrap\s+turn off --bootstrap/);
    assert.match(start.stdout, /--no-validator\s+turn off --validator/);
  });

  test('every timeout option of every command is in milliseconds', async () => {
    const context: CliContext = { env: {}, out: () => undefined, err: () => undefined, exitCode: 0 };
    const program = await buildProgram(context, ['node', 'trust-mesh']);
    const timeouts = allCommands(program).flatMap((command) =>
      command.options
        .filter((option) => /timeout/.test(option.long ?? ''))
        .map((option) => `${command.name()} ${option.flags}`),
    );
    assert.ok(timeouts.length >= 3, timeouts.join(', '));
    for (const flags of timeouts) assert.match(flags, /<ms>$/, flags);
  });
});
