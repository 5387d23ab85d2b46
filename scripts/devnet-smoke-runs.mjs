#!/usr/bin/env node
// Runs `trust-mesh devnet --nodes N --scenario smoke --json` several times in a row (issue 18: reliable at 64
// nodes) and prints, per run, whether it passed, its wall time and the load average around it. Kept out of
// `npm test`: one 64-node run takes one to two minutes of a whole core, and would starve the suite's other tests.
//
// Usage, from the clone's root, after `npm run build`:
//   node scripts/devnet-smoke-runs.mjs [--nodes 64] [--runs 5] [--timeout MS]
// Exits 0 only if every run exited 0 with a converged report: each valid proposal committed on every node and
// exactly one (the invalid one) rejected.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '64' },
    runs: { type: 'string', default: '5' },
    timeout: { type: 'string' },
  },
});

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

function runOnce() {
  const args = [join(ROOT, 'bin', 'trust-mesh.js'), 'devnet', '--nodes', values.nodes, '--scenario', 'smoke'];
  args.push('--json', ...(values.timeout === undefined ? [] : ['--timeout', values.timeout]));
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, stdout, stderr, wallMs: Date.now() - started }));
  });
}

function summary(stdout) {
  try {
    const report = JSON.parse(stdout);
    if (report.updates === undefined) return { converged: false, reason: report.reason };
    const { proposed, committed, rejected, appliedEverywhere, rejections } = report.updates;
    return {
      converged: report.converged,
      proposed,
      committed,
      rejected,
      appliedEverywhere,
      rejections: Object.values(rejections),
      window: report.pacing?.window,
      commitLatencyMs: report.commitLatencyMs,
    };
  } catch {
    return { converged: false, reason: 'no JSON report' };
  }
}

const results = [];
for (let run = 1; run <= Number(values.runs); run++) {
  const loadBefore = load();
  const { code, stdout, stderr, wallMs } = await runOnce();
  const result = { run, pass: code === 0, exitCode: code, wallMs, loadBefore, loadAfter: load() };
  Object.assign(result, summary(stdout));
  results.push(result);
  console.log(JSON.stringify(result));
  if (code !== 0 && stderr.trim() !== '') console.error(stderr.trim().split('\n').slice(-3).join('\n'));
}
const passed = results.filter((result) => result.pass).length;
console.log(`${passed}/${results.length} runs passed (--nodes ${values.nodes})`);
process.exitCode = passed === results.length ? 0 : 1;
