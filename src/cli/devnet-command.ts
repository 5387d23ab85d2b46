// `trust-mesh devnet`: several real nodes on loopback with a live status line each, or a scripted scenario.
// `--scenario smoke|catch-up|topology --json` prints one JSON report and exits 0 when the mesh converged (or
// settled), 1 (with why) when not; `--bootstrap minimal` leaves the links to discovery from node 0 alone.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { TrustMeshError } from '../core/errors.js';
import { CATCH_UP_DEVNET, runCatchUp } from '../devnet/catch-up.js';
import { Devnet, type DevnetApi, type DevnetBootstrap } from '../devnet/devnet.js';
import { runSmoke } from '../devnet/smoke.js';
import { DEVNET_DISCOVERY, settleTopology, type TopologyReport, topologyOf } from '../devnet/topology.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../log.js';
import type { CliContext } from './main.js';

interface DevnetFlags {
  nodes: number;
  scenario?: string;
  bootstrap: DevnetBootstrap;
  json?: boolean;
  timeout?: number;
  keep?: boolean;
  dir?: string;
  logLevel: LogLevel;
}

const integer = (min: number, max: number) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
  }
  return number;
};

export function registerDevnetCommand(program: Command, context: CliContext): void {
  program
    .command('devnet')
    .description('run a local mesh of real nodes on 127.0.0.1 (temporary data, removed on exit)')
    .option('-n, --nodes <count>', 'number of nodes (1-64)', integer(1, 64), 5)
    .addOption(
      new Option('--scenario <name>', 'run a scenario and exit instead of staying up').choices([
        'smoke',
        'catch-up',
        'topology',
      ]),
    )
    .addOption(
      new Option(
        '--bootstrap <how>',
        'ring: hand-wired sparse ring, discovery off; minimal: every node knows only node 0, discovery builds the rest',
      )
        .choices(['ring', 'minimal'])
        .default('ring'),
    )
    .option('--json', 'print the scenario report as JSON only')
    .option(
      '--timeout <ms>',
      'scenario time limit, in ms like every timeout (default: 60000, or 5000 per node from 13 nodes up)',
      integer(1_000, 3_600_000),
    )
    .option('--dir <dir>', 'keep node data in this folder instead of a temporary one')
    .option('--keep', 'do not delete the temporary folder on exit')
    .option('--log-level <level>', `node logs to stderr (${LOG_LEVELS.join(', ')})`, 'silent')
    .action(async (flags: DevnetFlags) => {
      if (flags.json && flags.scenario === undefined) {
        throw new TrustMeshError(
          'TM_ERR_CONFIG_INVALID',
          '--json prints a scenario report: add --scenario smoke, catch-up or topology',
        );
      }
      if (flags.scenario === 'catch-up' && flags.nodes < 4) {
        throw new TrustMeshError(
          'TM_ERR_CONFIG_INVALID',
          'the catch-up scenario needs --nodes 4 or more (one full node stops; the others keep a stake majority)',
        );
      }
      flags.timeout ??= scenarioTimeout(flags.nodes);
      const logger = createLogger({ level: flags.logLevel, fd: 2, pretty: false });
      const devnet = await Devnet.start({
        nodes: flags.nodes,
        logger,
        // The interactive devnet is for trying things: its bridge serves the HTTP API.
        api: flags.scenario === undefined,
        ...(flags.dir === undefined ? {} : { dir: flags.dir }),
        ...(flags.keep ? { keep: true } : {}),
        ...(flags.scenario === 'catch-up' ? CATCH_UP_DEVNET : {}),
        bootstrap: flags.bootstrap,
        ...(flags.bootstrap === 'minimal' ? { discovery: DEVNET_DISCOVERY } : {}),
      });
      try {
        // Under a minimal bootstrap a scenario starts once discovery has settled, and its report says what it built.
        const topology =
          flags.bootstrap === 'minimal' && flags.scenario !== undefined
            ? await settleTopology(devnet, { timeoutMs: flags.timeout })
            : undefined;
        if (flags.scenario === 'smoke') {
          context.exitCode = await smoke(devnet, flags, context, topology);
        } else if (flags.scenario === 'catch-up') {
          context.exitCode = await catchUp(devnet, flags, context, topology);
        } else if (flags.scenario === 'topology') {
          context.exitCode = await reportTopology(devnet, flags, context, topology);
        } else {
          await interactive(devnet, context);
        }
      } finally {
        await devnet.stop();
        if (flags.scenario === undefined)
          context.out(`devnet stopped${devnet.kept ? `; data kept in ${devnet.dir}` : ''}`);
      }
    });
}

/**
 * A devnet's nodes share one process, so a scenario's work grows faster than its node count (the smoke scenario's
 * about n³/2 signature checks): at 64 nodes it took 75-200 s on 2 cores shared with other work, hence 5 s per node.
 */
export function scenarioTimeout(nodes: number): number {
  return Math.max(60_000, 5_000 * nodes);
}

function topologyLine(topology: TopologyReport): string {
  const { degree, outbound } = topology;
  return `topology (${topology.bootstrap} bootstrap${topology.settled ? `, settled after ${topology.settleMs} ms` : ', not settled'}): ${topology.edges.length} links, degree min ${degree.min} mean ${degree.mean} max ${degree.max}, outbound max ${outbound.max}, diameter ${topology.diameter}`;
}

/** The scenario's report, with what discovery built when the devnet started from a minimal bootstrap. */
function withDiscovery<T extends object>(report: T, topology: TopologyReport | undefined): T {
  return topology === undefined ? report : { ...report, discovery: topology };
}

async function reportTopology(
  devnet: Devnet,
  flags: DevnetFlags,
  context: CliContext,
  settled: TopologyReport | undefined,
): Promise<number> {
  let topology = settled;
  if (topology === undefined) {
    await devnet.waitForMesh(flags.timeout).catch(() => undefined);
    topology = topologyOf(devnet);
  }
  const ok = topology.settled && Number.isFinite(topology.diameter);
  if (flags.json) context.out(JSON.stringify(topology, null, 2));
  else context.out(topologyLine(topology));
  if (!ok) context.err('topology scenario: the links did not settle into one mesh (see the report)');
  return ok ? 0 : 1;
}

async function smoke(
  devnet: Devnet,
  flags: DevnetFlags,
  context: CliContext,
  topology?: TopologyReport,
): Promise<number> {
  try {
    const report = await runSmoke(devnet, flags.timeout);
    if (flags.json) context.out(JSON.stringify(withDiscovery(report, topology), null, 2));
    else {
      if (topology !== undefined) context.out(topologyLine(topology));
      context.out(
        `nodes ${report.nodes}, diameter ${report.topology.diameter}, committed ${report.updates.committed}/${report.updates.proposed}, rejected ${report.updates.rejected}`,
      );
      context.out(
        `commit latency p50 ${report.commitLatencyMs.p50} ms, p99 ${report.commitLatencyMs.p99} ms`,
      );
      context.out(
        `revocation reached ${report.revocation.appliedAtNodes} nodes, slowest after ${report.revocation.propagationMaxMs} ms`,
      );
      context.out(`state hashes equal: ${report.stateHashesEqual}; converged: ${report.converged}`);
    }
    if (!report.converged) context.err('smoke scenario: the mesh did not converge (see the report)');
    return report.converged ? 0 : 1;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (flags.json) context.out(JSON.stringify({ converged: false, reason }, null, 2));
    context.err(`smoke scenario failed: ${reason}`);
    return 1;
  }
}

async function catchUp(
  devnet: Devnet,
  flags: DevnetFlags,
  context: CliContext,
  topology?: TopologyReport,
): Promise<number> {
  try {
    const report = await runCatchUp(devnet, { timeoutMs: flags.timeout });
    if (flags.json) context.out(JSON.stringify(withDiscovery(report, topology), null, 2));
    else {
      if (topology !== undefined) context.out(topologyLine(topology));
      const { missed, sync } = report;
      context.out(
        `nodes ${report.nodes}; ${report.restartedNode} down ${report.downMs} ms while ${missed.updates} updates and ${missed.revocations} revocation committed (${missed.ledgerEntries} ledger entries)`,
      );
      context.out(
        `after restart: ready in ${report.readyMs ?? '-'} ms, same state hash in ${report.convergeMs ?? '-'} ms; ${sync.entriesApplied} entries applied from ${sync.blocksDone} block parts`,
      );
      for (const peer of sync.peers)
        context.out(
          `  from ${peer.name}: ${peer.entries} entries, ${peer.blocks} block parts, ${peer.failures} failures`,
        );
      context.out(
        `revocation seen: ${report.revocationSeen}; state hashes equal: ${report.stateHashesEqual}; converged: ${report.converged}`,
      );
    }
    if (!report.converged)
      context.err('catch-up scenario: the restarted node did not catch up (see the report)');
    return report.converged ? 0 : 1;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (flags.json) context.out(JSON.stringify({ converged: false, reason }, null, 2));
    context.err(`catch-up scenario failed: ${reason}`);
    return 1;
  }
}

function printApiHelp(api: DevnetApi, context: CliContext): void {
  const body = JSON.stringify({
    agentId: 'cursor-agent',
    principalId: 'user-123',
    trustScore: 750,
    event: 'VERIFICATION_SUCCESS',
  });
  context.out('');
  context.out(
    `Bridge API (${api.member.name}): ${api.url}   docs: ${api.url}/docs (Swagger UI), ${api.url}/openapi.json`,
  );
  context.out(`  token (read, write, this run only): ${api.token}`);
  context.out(`  mesh explorer: ${api.url}/explorer/#token=${api.token}`);
  context.out('  try:');
  context.out(
    `    curl -s -X POST ${api.url}/v1/events -H 'authorization: Bearer ${api.token}' -H 'content-type: application/json' -d '${body}'`,
  );
  context.out(
    `    curl -s ${api.url}/v1/agents/cursor-agent/principals/user-123 -H 'authorization: Bearer ${api.token}'`,
  );
  context.out(
    `    curl -sN ${api.url}/v1/stream -H 'authorization: Bearer ${api.token}' -H 'last-event-id: 0'`,
  );
  context.out('  or with the CLI:');
  context.out(`    export TRUST_MESH_API=${api.url} TRUST_MESH_TOKEN=${api.token}`);
  context.out('    trust-mesh submit --agent cursor-agent --principal user-123 --score 750 --wait');
  context.out('    trust-mesh get --agent cursor-agent --principal user-123');
}

async function interactive(devnet: Devnet, context: CliContext): Promise<void> {
  context.out(
    `Trust Mesh devnet: ${devnet.members.length} nodes on 127.0.0.1, network ${devnet.network.networkId}`,
  );
  context.out(`data in ${devnet.dir}`);
  for (const member of devnet.members) {
    context.out(
      `  ${member.name}  ${member.role.padEnd(6)}  ${member.node.endpoint}  ${member.node.nodeId.slice(0, 16)}`,
    );
  }
  if (devnet.api) printApiHelp(devnet.api, context);
  // Ctrl-C stops the devnet from the moment it says so, also while the mesh is still linking up: a handler set
  // only afterwards left that first second to Node's default, which killed the nodes without a stop.
  let requestStop = () => {};
  const stopRequested = new Promise<'stop'>((resolve) => {
    requestStop = () => {
      context.out('\nstopping devnet…');
      resolve('stop');
    };
  });
  process.once('SIGINT', requestStop);
  process.once('SIGTERM', requestStop);
  context.out('');
  context.out('Press Ctrl-C to stop.');
  const tty = process.stdout.isTTY === true;
  let printed = 0;
  let previous = '';
  const render = () => {
    const lines = devnet.members.map((member) => {
      const status = member.node.status();
      return `  ${member.name}  peers ${status.peers}  ledger ${String(status.ledgerEntries).padStart(5)}  pending ${status.pendingProposals}  state ${member.node.stateHash().slice(0, 12)}`;
    });
    // In a log file, a status block is written only when something changed.
    if (!tty && lines.join('\n') === previous) return;
    previous = lines.join('\n');
    if (tty && printed > 0) process.stdout.write(`\x1b[${printed}A`);
    for (const line of lines) process.stdout.write(tty ? `\x1b[2K${line}\n` : `${line}\n`);
    printed = lines.length;
  };
  // Still running when a stop comes: whatever it ends with then (a stopped node's error) is not reported.
  const linked = devnet
    .waitForMesh()
    .catch(() => undefined)
    .then(async () => {
      if (devnet.bootstrap === 'minimal') context.out(topologyLine(await settleTopology(devnet)));
    })
    .catch(() => undefined);
  if ((await Promise.race([linked, stopRequested])) === 'stop') return;
  const timer = setInterval(render, tty ? 1_000 : 10_000);
  render();
  await stopRequested;
  clearInterval(timer);
}
