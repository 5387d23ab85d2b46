#!/usr/bin/env node
// The scripted new-user run (issue 18, acceptance 1): in a fresh clone, the README's marked shell blocks run as the
// README writes them, in its order; the run fails on the first failing step. Node only, no dependency.
//
// Usage, from the clone's root:  node scripts/new-user-run.mjs          (run every marked step)
//                                node scripts/new-user-run.mjs --list   (print the steps, run nothing)
// .ci/new-user makes the fresh clone and runs this in it.
//
// What a marker before a ```sh block in README.md means:
//   <!-- new-user:run -->           the block runs in one bash (`set -eu`) and must exit 0;
//   <!-- new-user:until-ctrl-c -->  each line is a command that runs until Ctrl-C (the devnet): it must print
//                                   "Press Ctrl-C to stop.", then gets SIGINT, as from a terminal, and must print
//                                   "devnet stopped" and exit (0, or by the SIGINT when npm runs it);
//                                   `npm test` lines are left to CI (.ci/run runs the suite), not repeated here;
//   <!-- walkthrough:start --> … <!-- walkthrough:end -->  the three-node walkthrough, run in one bash;
//   <!-- new-user:during-walkthrough -->  runs in the walkthrough's shell after its step 6, before step 7 stops
//                                   the nodes (the client example, against the walkthrough's bridge).
// `npm link` goes to a temporary npm prefix put first on PATH, so the run changes nothing outside the clone.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** A step's limit: the first `npm ci` compiles better-sqlite3, minutes on a small machine. */
const STEP_LIMIT_MS = 30 * 60_000;
/** After SIGINT the devnet stops its nodes and exits; the README promises 5 s per node stop. */
const STOP_LIMIT_MS = 20_000;
const READY = /^Press Ctrl-C to stop\.$/m;
const STOPPED = /^devnet stopped/m;
const LEFT_TO_CI = /^(npm ci && )?npm test$/;

/** The README's runnable steps, in order, each with the line its block starts on. */
export function readmeSteps(readme) {
  const steps = [];
  const blocks = /<!-- (new-user:[a-z-]+|walkthrough:start) -->\n```sh\n([\s\S]*?)```/g;
  for (const match of readme.matchAll(blocks)) {
    const line = readme.slice(0, match.index).split('\n').length + 2;
    const kind = match[1] === 'walkthrough:start' ? 'walkthrough' : match[1].slice('new-user:'.length);
    steps.push({ kind, line, script: match[2] });
  }
  const during = steps.filter((step) => step.kind === 'during-walkthrough');
  const walkthrough = steps.find((step) => step.kind === 'walkthrough');
  if (!walkthrough) throw new Error('README.md has no <!-- walkthrough:start --> sh block');
  const unknown = steps.find(
    (step) => !['run', 'until-ctrl-c', 'walkthrough', 'during-walkthrough'].includes(step.kind),
  );
  if (unknown) throw new Error(`README.md line ${unknown.line}: unknown marker new-user:${unknown.kind}`);
  // The client example runs against the walkthrough's nodes: between step 6 and step 7 (which stops them).
  const stop = walkthrough.script.search(/^# 7\. /m);
  if (during.length > 0 && stop < 0)
    throw new Error('the walkthrough has no "# 7. " step to run the client example before');
  if (during.length > 0)
    walkthrough.script =
      walkthrough.script.slice(0, stop) +
      during.map((step) => `# (README line ${step.line})\n${step.script}`).join('') +
      walkthrough.script.slice(stop);
  return steps
    .filter((step) => step.kind !== 'during-walkthrough')
    .flatMap((step) =>
      step.kind === 'until-ctrl-c'
        ? step.script
            .split('\n')
            .filter((text) => text.trim() !== '' && !text.trim().startsWith('#'))
            .map((text) => ({ ...step, script: text }))
        : [step],
    );
}

/** The command of a line, without its comment (for deciding what is left to CI). */
const commandOf = (line) => line.replace(/\s+#.*$/, '').trim();

function environment(prefix) {
  const env = {};
  // A new user's shell: no TRUST_MESH_* setting of whoever runs this.
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('TRUST_MESH_')) env[key] = value;
  return { ...env, NPM_CONFIG_PREFIX: prefix, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
}

/** Runs bash on a script in its own process group (a terminal's job), echoing its output. */
function bash(script, env, { onOutput } = {}) {
  const child = spawn('bash', ['-c', `set -eu\n${script}`], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text) => {
    stdout += text;
    process.stdout.write(text);
    onOutput?.(stdout);
  });
  child.stderr.setEncoding('utf8').on('data', (text) => process.stderr.write(text));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, exited };
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

async function withLimit(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

async function runStep(step, env) {
  if (step.kind !== 'until-ctrl-c') {
    const { child, exited } = bash(step.script, env);
    try {
      const exit = await withLimit(exited, STEP_LIMIT_MS, 'the block');
      if (exit.code !== 0) throw new Error(`exit ${exit.code ?? exit.signal}`);
    } finally {
      killGroup(child, 'SIGKILL'); // whatever the block left in the background
    }
    return;
  }
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));
  let seen = '';
  const output = () => seen;
  const { child, exited } = bash(step.script, env, {
    onOutput: (out) => {
      seen = out;
      if (READY.test(out)) markReady();
    },
  });
  try {
    const first = await withLimit(
      Promise.race([ready.then(() => 'ready'), exited]),
      STEP_LIMIT_MS,
      'the command',
    );
    if (first !== 'ready')
      throw new Error(`exited (${first.code ?? first.signal}) before "Press Ctrl-C to stop."`);
    const before = output().length;
    killGroup(child, 'SIGINT');
    const exit = await withLimit(exited, STOP_LIMIT_MS, 'stopping after Ctrl-C');
    // A shell shows a Ctrl-C'd npm as killed by SIGINT (status 130) whatever the devnet under it did: what
    // counts is that the devnet stopped its nodes and cleaned up, which it says.
    if (!STOPPED.test(output().slice(before))) throw new Error('no "devnet stopped" after Ctrl-C');
    if (exit.code !== 0 && exit.signal !== 'SIGINT')
      throw new Error(`after Ctrl-C: exit ${exit.code ?? exit.signal}`);
  } finally {
    killGroup(child, 'SIGKILL');
  }
}

async function main() {
  const steps = readmeSteps(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  if (process.argv.includes('--list')) {
    for (const step of steps) {
      const skipped = step.kind === 'until-ctrl-c' && LEFT_TO_CI.test(commandOf(step.script));
      console.log(`README line ${step.line}  ${step.kind}${skipped ? ' (left to CI)' : ''}`);
      console.log(step.script.replace(/^/gm, '    ').trimEnd());
    }
    return 0;
  }
  // The README starts with `npm ci`, which deletes node_modules: in a working checkout (whose node_modules may be
  // a link to another checkout's) that would destroy it. A fresh clone has none.
  if (existsSync(join(ROOT, 'node_modules'))) {
    console.error(`${ROOT} has node_modules: not a fresh clone. Run .ci/new-user, which makes one.`);
    return 2;
  }
  const prefix = mkdtempSync(join(tmpdir(), 'trust-mesh-npm-prefix-'));
  const env = environment(prefix);
  const results = [];
  try {
    for (const step of steps) {
      const title = `README line ${step.line} (${step.kind}): ${step.script.split('\n')[0]}`;
      if (step.kind === 'until-ctrl-c' && LEFT_TO_CI.test(commandOf(step.script))) {
        console.log(`\n=== skipped, CI runs the test suite: ${title}`);
        results.push(`skipped  ${title}`);
        continue;
      }
      console.log(`\n=== ${title}`);
      const started = Date.now();
      try {
        await runStep(step, env);
      } catch (error) {
        results.push(`FAILED   ${title}: ${error.message}`);
        console.error(`\n=== FAILED: ${title}: ${error.message}`);
        return 1;
      }
      results.push(`ok ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${title}`);
    }
    return 0;
  } finally {
    rmSync(prefix, { recursive: true, force: true });
    console.log(`\n=== new-user run: ${results.length} of ${steps.length} steps`);
    for (const line of results) console.log(line);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main();
