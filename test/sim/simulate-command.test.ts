// `trust-mesh simulate`: a shipped scenario by name, --seed and --json, and a clear error for a missing file.
// Runs the command in process through the CLI's own program builder, capturing what it prints.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProgram, type CliContext } from '../../src/cli/main.js';

async function simulate(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = {
    env: {},
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    exitCode: 0,
  };
  const argv = ['node', 'trust-mesh', 'simulate', ...args];
  await (await buildProgram(context, argv)).parseAsync(argv);
  return { out: out.join('\n'), err: err.join('\n'), code: context.exitCode };
}

describe('trust-mesh simulate', () => {
  it('runs a shipped scenario by name; --json gives the result, the same digest for the same seed', async () => {
    const first = await simulate(['smoke-10', '--seed', '4', '--json']);
    const again = await simulate(['smoke-10', '--seed', '4', '--json']);
    assert.equal(first.code, 0);
    const result = JSON.parse(first.out);
    assert.equal(result.seed, 4);
    assert.equal(result.converged, true);
    assert.equal(result.signatures, 'sodium-native Ed25519 (real signatures)');
    assert.equal(JSON.parse(again.out).logDigest, result.logDigest);
  });

  it('prints a readable summary by default', async () => {
    const { out, code } = await simulate(['smoke-10', '--until-step', '300']);
    assert.equal(code, 0);
    assert.match(out, /^scenario smoke-10, seed 1: 10 nodes/);
    assert.match(out, /300 events/);
    assert.match(out, /invariants: held/);
  });

  it('a scenario that does not exist is a TM_ERR_SCENARIO_INVALID error', async () => {
    await assert.rejects(simulate(['no-such-scenario']), /TM_ERR_SCENARIO_INVALID: no-such-scenario/);
  });
});
