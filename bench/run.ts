// `npm run bench`: runs every benchmark (or those named with --only), prints a table and writes
// bench/results/latest.json plus a timestamped copy. `--full` runs the longer variants.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../src/version.js';
import { apiReadsBench } from './api-reads.js';
import { commitLatencyBench } from './commit-latency.js';
import { commitThroughputBench } from './commit-throughput.js';
import { disseminationBench } from './dissemination.js';
import { floodResponsivenessBench } from './flood-responsiveness.js';
import { frameRateBench } from './frame-rate.js';
import { handshakeBench } from './handshake.js';
import { initialSyncBench } from './initial-sync.js';
import { invalidFrameBench } from './invalid-frame.js';
import { lookupHopsBench } from './lookup-hops.js';
import { revocationBench } from './revocation.js';
import { simulatorBench } from './simulator.js';
import type { Bench, BenchResult } from './support.js';

const BENCHES: Bench[] = [
  frameRateBench,
  handshakeBench,
  commitLatencyBench,
  commitThroughputBench,
  revocationBench,
  apiReadsBench,
  simulatorBench,
  disseminationBench,
  lookupHopsBench,
  initialSyncBench,
  invalidFrameBench,
  floodResponsivenessBench,
];

function parseArgs(argv: string[]) {
  const only = argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  return { full: argv.includes('--full'), only };
}

function table(results: BenchResult[]): string {
  const rows: string[][] = [['benchmark', 'figure', 'value', 'unit']];
  for (const result of results) {
    for (const [key, value] of Object.entries(result.figures)) {
      rows.push([result.name, key, String(value), result.units[key] ?? '']);
    }
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const { full, only } = parseArgs(process.argv.slice(2));
  const selected = BENCHES.filter((bench) => only === undefined || only.includes(bench.name));
  const results: BenchResult[] = [];
  const started = new Date();
  for (const bench of selected) {
    process.stderr.write(`\n▶ ${bench.title}\n`);
    const begun = Date.now();
    results.push(await bench.run({ full, log: (line) => process.stderr.write(`  ${line}\n`) }));
    process.stderr.write(`  done in ${((Date.now() - begun) / 1000).toFixed(1)} s\n`);
  }
  const report = {
    version: VERSION,
    startedAt: started.toISOString(),
    mode: full ? 'full' : 'quick',
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
    },
    results: Object.fromEntries(results.map((result) => [result.name, result])),
  };
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../bench/results');
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(dir, 'latest.json'), text);
  writeFileSync(join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`), text);
  process.stdout.write(`\n${table(results)}\n\nwritten to bench/results/latest.json\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
