// Runs the real `trust-mesh` command (node bin/trust-mesh.js) as child processes for the CLI tests.
// Captures output, parses the JSON log lines a node prints on stdout, and kills whatever is left in cleanup().
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../support/mesh.js';

/** The repository root, from dist/test/cli/ where the compiled tests run. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(REPO_ROOT, 'bin', 'trust-mesh.js');

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Runs `trust-mesh init` in a fresh data directory and returns it with the node's public key and id. */
export async function initNode(
  cli: CliHarness,
): Promise<{ dataDir: string; publicKey: string; nodeId: string }> {
  const dataDir = join(cli.tempDir(), 'node');
  const init = await cli.run(['init', '--data-dir', dataDir]);
  if (init.exit?.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  const key = JSON.parse(readFileSync(join(dataDir, 'node-key.json'), 'utf8')) as {
    publicKey: string;
    nodeId: string;
  };
  return { dataDir, publicKey: key.publicKey, nodeId: key.nodeId };
}

/** Writes a network file of its own (no bootstrap endpoints) in which the given keys hold stake. */
export function writeNetworkFile(dir: string, publicKeys: readonly string[]): string {
  const path = join(dir, 'network.json');
  const file = {
    networkId: 'cli-test-net',
    genesisTime: '2026-01-01T00:00:00.000Z',
    epochMs: 60_000,
    nodes: publicKeys.map((publicKey, index) => ({ name: `node-${index}`, publicKey, stake: 10 })),
  };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

/** Flags for `trust-mesh start` on loopback with a test network file, JSON logs at info, no bootstrap. */
export function startArgs(
  dataDir: string,
  network: string,
  port: number,
  peers: readonly string[] = [],
): string[] {
  return [
    'start',
    '--data-dir',
    dataDir,
    '--network',
    network,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'info',
    '--no-bootstrap',
    '--storage-sync',
    'normal',
    ...peers.flatMap((peer) => ['--peer', peer]),
  ];
}

/** The environment without any TRUST_MESH_* setting of the machine running the tests. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('TRUST_MESH_')) env[key] = value;
  return { ...env, ...extra };
}

export class CliProcess {
  stdout = '';
  stderr = '';
  readonly logs: LogLine[] = [];
  exit: Exit | null = null;
  private partial = '';

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
      const lines = (this.partial + text).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          // Not a log line (the devnet prints one pretty JSON report, parsed whole by its test).
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    // 'close' rather than 'exit': by then stdout and stderr have been read to the end.
    child.on('close', (code, signal) => (this.exit = { code, signal }));
  }

  get running(): boolean {
    return this.exit === null;
  }

  logged(msg: string, match: (line: LogLine) => boolean = () => true): LogLine[] {
    return this.logs.filter((line) => line.msg === msg && match(line));
  }

  async waitForLog(msg: string, timeoutMs: number, match?: (line: LogLine) => boolean): Promise<LogLine> {
    await waitFor(() => this.logged(msg, match).length > 0 || !this.running, timeoutMs, `log "${msg}"`);
    const line = this.logged(msg, match)[0];
    if (line === undefined)
      throw new Error(`exited ${JSON.stringify(this.exit)} before "${msg}":\n${this.stderr}`);
    return line;
  }

  async waitForExit(timeoutMs: number): Promise<Exit> {
    await waitFor(() => !this.running, timeoutMs, 'the process to exit');
    return this.exit!;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
}

/** Owns the child processes and temp dirs of one test file; `cleanup()` kills and removes everything. */
export class CliHarness {
  private readonly processes: CliProcess[] = [];
  private readonly dirs: string[] = [];

  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'trust-mesh-cli-'));
    this.dirs.push(dir);
    return dir;
  }

  spawn(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const cli = new CliProcess(child);
    this.processes.push(cli);
    return cli;
  }

  /** Runs a command to completion (default limit 20 s). */
  async run(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<CliProcess> {
    const cli = this.spawn(args, env);
    await cli.waitForExit(timeoutMs);
    return cli;
  }

  async cleanup(): Promise<void> {
    for (const cli of this.processes) cli.kill('SIGKILL');
    await waitFor(() => this.processes.every((cli) => !cli.running), 5_000, 'children to die');
    this.processes.length = 0;
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
