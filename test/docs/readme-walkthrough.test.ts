// The README's three-node walkthrough, run as written (issue 18, items 3 and 4): `trust-mesh` on the PATH as
// `npm link` puts it there, one bash running the block between the walkthrough markers, only the ports changed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BIN, REPO_ROOT } from '../cli/cli-process.js';

/** The ports the walkthrough names; the test moves them to free ones so it cannot collide with anything else. */
const README_PORTS = ['9101', '9102', '9103', '8091', '8092', '8081'];

async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve) =>
          server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
        ),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function walkthrough(readme: string): string {
  const start = readme.indexOf('<!-- walkthrough:start -->');
  const end = readme.indexOf('<!-- walkthrough:end -->');
  assert.ok(start > 0 && end > start, 'README has the walkthrough markers');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start, end));
  assert.ok(block, 'a sh block between the markers');
  return block[1]!;
}

describe('README walkthrough', { timeout: 120_000 }, () => {
  const bin = mkdtempSync(join(tmpdir(), 'trust-mesh-path-'));
  let group: number | undefined;
  after(() => {
    // The walkthrough's nodes run in the background of its shell: whatever a failure left running goes too.
    if (group !== undefined) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // Already gone: the walkthrough stopped its nodes itself.
      }
    }
    rmSync(bin, { recursive: true, force: true });
  });

  test('three nodes, an update committed and read on every node, a revocation on the stream', async () => {
    symlinkSync(BIN, join(bin, 'trust-mesh'));
    let script = walkthrough(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    const ports = await freePorts(README_PORTS.length);
    README_PORTS.forEach((port, index) => {
      script = script.replaceAll(port, String(ports[index]));
    });
    const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('trust-mesh-demo.')));
    const child = spawn('bash', ['-c', `set -eu\n${script}`], {
      cwd: tmpdir(),
      detached: true,
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME ?? tmpdir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    group = child.pid;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, `walkthrough failed:\n${stderr}\n${stdout.slice(-2000)}`);
    assert.match(stdout, /"type": "bridge"/);
    assert.match(stdout, /"status": "committed"/);
    assert.equal(stdout.match(/"trustScore": 750,/g)?.length, 5, 'committed, then read on all three nodes');
    assert.match(stdout, /^event: revocation\ndata: \{[^\n]*"agentId":"my-agent"/m);
    assert.equal(
      stdout.match(/"revoked": true/g)?.length,
      1,
      'the last read, on node b, shows the revocation',
    );
    const left = readdirSync(tmpdir()).filter(
      (name) => name.startsWith('trust-mesh-demo.') && !before.has(name),
    );
    assert.deepEqual(left, [], 'the demo folder is removed');
  });
});
