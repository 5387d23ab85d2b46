// `trust-mesh simulate SCENARIO`: runs a scenario file (or a shipped one by name) in the discrete-event simulator.
// Prints a summary, or one JSON result with --json; exits 1 when an invariant broke (with the replay command).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { TrustMeshError } from '../core/errors.js';
import { describeViolation } from '../sim/invariants.js';
import { runSimulation, type SimulationResult } from '../sim/run.js';
import type { CliContext } from './main.js';

/** Shipped scenarios, from dist/src/cli/ (compiled) or src/cli/ back to the package root. */
const SHIPPED = resolve(dirname(fileURLToPath(import.meta.url)), '../../../scenarios');
const SHIPPED_FROM_SOURCE = resolve(dirname(fileURLToPath(import.meta.url)), '../../scenarios');

interface SimulateFlags {
  seed: number;
  json?: boolean;
  untilStep?: number;
  log?: boolean;
}

const nonNegativeInteger = (value: string): number => {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0)
    throw new InvalidArgumentError('must be a non-negative integer');
  return number;
};

/** A path to a JSON file, or the name of a shipped scenario (`smoke-10`). */
export function resolveScenario(spec: string): string {
  if (existsSync(spec)) return spec;
  for (const folder of [SHIPPED, SHIPPED_FROM_SOURCE]) {
    const path = join(folder, `${spec}.json`);
    if (existsSync(path)) return path;
  }
  throw new TrustMeshError('TM_ERR_SCENARIO_INVALID', `${spec}: no such file or shipped scenario`);
}

function readScenario(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TrustMeshError('TM_ERR_SCENARIO_INVALID', `${path}: ${(error as Error).message}`);
  }
}

const ms = (value: number | null): string => (value === null ? '—' : `${value} ms`);

function summary(result: SimulationResult, out: (line: string) => void): void {
  out(
    `scenario ${result.scenario}, seed ${result.seed}: ${result.nodes} nodes (${result.members} members, ${result.validators} validators), mean degree ${result.meanDegree}`,
  );
  out(`signatures: ${result.signatures}; sync: ${result.sync}`);
  out(
    `virtual ${result.endedAtMs} of ${result.durationMs} ms, ${result.steps} events, wall ${result.wallMs} ms, heap ${Math.round(result.heapUsedBytes / 2 ** 20)} MiB`,
  );
  out(`event log: ${result.logLines} lines, sha256 ${result.logDigest}`);
  const committed = result.proposals.filter((p) => p.status === 'committed');
  out(`proposals: ${result.proposals.length}, committed ${committed.length}`);
  for (const p of result.proposals) {
    out(
      `  n${p.node} ${p.agentId} at ${p.openedAtMs} ms: ${p.status}${p.reason ? ` (${p.reason})` : ''}, reached ${p.reached}/${result.nodes}, t50 ${ms(p.t50)}, t99 ${ms(p.t99)}, t100 ${ms(p.t100)}`,
    );
  }
  for (const r of result.revocations) {
    out(
      `revocation n${r.node} ${r.agentId} at ${r.issuedAtMs} ms: reached ${r.reached}/${result.nodes}, t50 ${ms(r.t50)}, t99 ${ms(r.t99)} (shortest-path bound ${r.shortestPathBound99Ms} ms), t100 ${ms(r.t100)}`,
    );
  }
  const { wire } = result;
  out(
    `wire: ${wire.framesSent} frames, ${wire.bytesSent} bytes, ${wire.framesLost} lost, ${wire.framesCut} cut by partitions, ${wire.announcesDropped} announces dropped`,
  );
  out(
    `state: ${result.distinctStateHashes} distinct state hash(es) over ${result.nodes} nodes${result.converged ? ' (converged)' : ''}`,
  );
  out(
    result.violations.length === 0
      ? `invariants: held (${result.invariantChecks} checks)`
      : `invariants: ${result.violations.length} violation(s)`,
  );
}

export function registerSimulateCommand(program: Command, context: CliContext): void {
  program
    .command('simulate <scenario>')
    .description(
      'run a scenario in the deterministic simulator (a JSON file, or a shipped name such as smoke-10)',
    )
    .option('--seed <n>', 'seed of every random draw (same seed, same event log)', nonNegativeInteger, 1)
    .option('--json', 'print the result as JSON')
    .option(
      '--until-step <n>',
      'stop after this many events (to replay up to a violation)',
      nonNegativeInteger,
    )
    .option('--log', 'print the whole event log (with --json: include it)')
    .action((spec: string, flags: SimulateFlags) => {
      const path = resolveScenario(spec);
      const result = runSimulation(readScenario(path), {
        seed: flags.seed,
        keepLog: flags.log === true,
        ...(flags.untilStep === undefined ? {} : { untilStep: flags.untilStep }),
      });
      if (flags.json) {
        const { log, ...rest } = result;
        context.out(JSON.stringify(flags.log ? result : { ...rest, logTail: log }, null, 2));
      } else {
        if (flags.log) for (const line of result.log) context.out(line);
        summary(result, context.out);
      }
      for (const violation of result.violations) context.err(describeViolation(violation, spec));
      if (result.violations.length > 0) context.exitCode = 1;
    });
}
