// Acceptance test of the devnet command (issue #2, item 10): `trust-mesh devnet --nodes 5 --scenario smoke --json`
// run as a child process exits 0 within 60 s with a JSON report of a converged, multi-hop mesh.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { CatchUpReport } from '../../src/devnet/catch-up.js';
import type { SmokeReport } from '../../src/devnet/smoke.js';
import type { TopologyReport } from '../../src/devnet/topology.js';
import { waitFor } from '../support/mesh.js';
import { CliHarness } from './cli-process.js';

describe('trust-mesh devnet --scenario smoke --json', { timeout: 90_000 }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  test('five nodes converge over a mesh of diameter ≥ 2 and reject the invalid proposal', async () => {
    // --dir: the nodes' data goes in the harness's folder, removed in cleanup even if the devnet is killed.
    const dir = cli.tempDir();
    const args = ['devnet', '--nodes', '5', '--scenario', 'smoke', '--json', '--dir', dir];
    const run = await cli.run(args, {}, 60_000);
    assert.equal(run.exit?.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as SmokeReport;

    assert.equal(report.converged, true);
    assert.equal(report.nodes, 5);
    assert.ok(report.topology.diameter >= 2, `diameter ${report.topology.diameter}`);
    assert.ok(report.messages.length > 0);
    for (const message of report.messages) {
      assert.equal(message.reachedNodes, 5, `${message.type} ${message.id} reached ${message.reachedNodes}`);
    }
    assert.ok(report.messages.some((message) => message.type === 'REVOCATION'));
    assert.equal(report.stateHashesEqual, true);
    assert.equal(new Set(report.stateHashes).size, 1);

    assert.equal(report.updates.rejected, 1, 'exactly the invalid proposal is rejected');
    assert.equal(report.updates.committed, report.updates.proposed - 1);
    const reasons = Object.values(report.updates.rejectedReasons);
    assert.equal(reasons.length, 1);
    assert.ok((reasons[0]?.TM_ERR_SCORE_OUT_OF_RANGE ?? 0) >= 1, JSON.stringify(reasons));
  });
});

describe('trust-mesh devnet --scenario catch-up --json', { timeout: 90_000 }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  test('a restarted node catches up: exit 0, equal state hashes, entries fetched per peer', async () => {
    const dir = cli.tempDir();
    const args = ['devnet', '--nodes', '4', '--scenario', 'catch-up', '--json', '--dir', dir];
    const run = await cli.run(args, {}, 60_000);
    assert.equal(run.exit?.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as CatchUpReport;
    assert.equal(report.converged, true);
    assert.equal(report.stateHashesEqual, true);
    assert.equal(report.revocationSeen, true);
    assert.ok(report.convergeMs !== null && report.convergeMs >= 0);
    assert.ok(report.sync.peers.reduce((sum, peer) => sum + peer.entries, 0) >= report.missed.ledgerEntries);
  });

  test('refuses a devnet too small to keep a majority without the stopped node', async () => {
    const run = await cli.run(['devnet', '--nodes', '3', '--scenario', 'catch-up'], {}, 20_000);
    assert.notEqual(run.exit?.code, 0);
    assert.match(run.stderr, /--nodes 4 or more/);
  });
});

describe('trust-mesh devnet --bootstrap minimal', { timeout: 90_000 }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  test('--scenario topology --json: discovery from node 0 alone links every node; degree and diameter', async () => {
    const dir = cli.tempDir();
    const args = ['devnet', '--nodes', '6', '--bootstrap', 'minimal', '--scenario', 'topology', '--json'];
    const run = await cli.run([...args, '--dir', dir], {}, 60_000);
    assert.equal(run.exit?.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as TopologyReport;
    assert.equal(report.bootstrap, 'minimal');
    assert.equal(report.settled, true);
    assert.equal(report.nodes, 6);
    assert.ok(report.diameter >= 1 && report.diameter <= 5, `diameter ${report.diameter}`);
    assert.ok(report.degree.min >= 2, 'every node has a link besides node 0');
    assert.ok(report.edges.some(([a, b]) => a !== 0 && b !== 0));
  });

  test('--scenario smoke --json converges and carries the discovered topology', async () => {
    const dir = cli.tempDir();
    const args = ['devnet', '--nodes', '5', '--bootstrap', 'minimal', '--scenario', 'smoke', '--json'];
    const run = await cli.run([...args, '--dir', dir], {}, 60_000);
    assert.equal(run.exit?.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as SmokeReport & { discovery: TopologyReport };
    assert.equal(report.converged, true);
    assert.equal(report.discovery.bootstrap, 'minimal');
    assert.equal(report.discovery.settled, true);
  });
});

describe('trust-mesh devnet, interactive', { timeout: 60_000 }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  test('Ctrl-C right after "Press Ctrl-C to stop." stops the nodes, removes the data and exits 0', async () => {
    // A minimal bootstrap keeps the devnet settling for at least a second after the prompt: the Ctrl-C lands there.
    const devnet = cli.spawn(['devnet', '--nodes', '3', '--bootstrap', 'minimal']);
    await waitFor(
      () => /^Press Ctrl-C to stop\.$/m.test(devnet.stdout) || !devnet.running,
      30_000,
      'the prompt',
    );
    devnet.kill('SIGINT');
    const exit = await devnet.waitForExit(20_000);
    assert.deepEqual(exit, { code: 0, signal: null }, devnet.stderr);
    assert.match(devnet.stdout, /^devnet stopped$/m);
    const dir = /^data in (\S+)$/m.exec(devnet.stdout)?.[1];
    assert.ok(dir, devnet.stdout);
    assert.equal(existsSync(dir), false, 'the temporary folder is removed');
  });
});
