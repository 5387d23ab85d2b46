// `trust-mesh peers` against a running bridge: connected peers and the routing table as JSON; a bad token exits 1.
// Runs the command in-process (buildProgram) against a real bridge API, capturing what it prints.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { buildProgram, type CliContext } from '../../src/cli/main.js';
import { ApiMesh, reader } from '../api/support.js';
import { FAST } from '../support/discovery.js';
import { testKeyPair, testNetwork } from '../support/fixtures.js';
import { waitFor } from '../support/mesh.js';

async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  return runOn(false, ...args);
}

/** As if on a terminal (`tty`): the human table instead of JSON. */
async function runOn(
  tty: boolean,
  ...args: string[]
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = {
    env: {},
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    exitCode: 0,
    tty,
  };
  const argv = ['node', 'trust-mesh', ...args];
  await (await buildProgram(context, argv)).parseAsync(argv);
  return { code: context.exitCode, out, err };
}

describe('trust-mesh peers', () => {
  let mesh: ApiMesh;
  afterEach(async () => mesh.cleanup());

  it('prints the connected peers and the routing table fill', async () => {
    mesh = new ApiMesh(testNetwork([1, 1]));
    const other = await mesh.start(testKeyPair(1), { host: '127.0.0.2', discovery: FAST });
    const { node, api } = await mesh.bridge(
      0,
      {},
      { host: '127.0.0.3', peers: [other.endpoint], discovery: FAST },
    );
    await waitFor(
      () => node.isConnectedTo(other.nodeId) && node.routingTable().size === 1,
      10_000,
      'peer in table',
    );
    const { code, out } = await run('peers', '--json', '--api', api.url, '--token', reader.token);
    assert.equal(code, 0);
    const printed = JSON.parse(out.join('\n')) as {
      peers: Array<{ nodeId: string; capabilities: string[]; score: number }>;
      routing: { size: number; buckets: Array<{ index: number; size: number }> };
    };
    assert.deepEqual(
      printed.peers.map((peer) => peer.nodeId),
      [other.nodeId],
    );
    assert.ok(printed.peers[0]!.capabilities.includes('FULL_NODE'));
    assert.equal(printed.routing.size, 1);
    assert.equal(printed.routing.buckets.length, 1);
    // Each peer's score, as GET /v1/peers gives it, in the table and in the node's metrics.
    assert.equal(typeof printed.peers[0]!.score, 'number');
    const human = await runOn(true, 'peers', '--api', api.url, '--token', reader.token);
    assert.match(human.out.join('\n'), /^PEER\s+DIR\s+ENDPOINT\s+CAPABILITIES\s+RTT\s+SCORE$/m);
    assert.match(human.out.join('\n'), new RegExp(`\\s${printed.peers[0]!.score}$`, 'm'));
    const metrics = await (
      await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${reader.token}` } })
    ).text();
    assert.match(
      metrics,
      new RegExp(`^trustmesh_peer_score\\{peer="${other.nodeId.slice(0, 16)}"\\} -?[0-9.]+$`, 'm'),
    );
  });

  it('exits 1 with one line when the token is refused', async () => {
    mesh = new ApiMesh(testNetwork([1]));
    const { api } = await mesh.bridge(0);
    const { code, err } = await run('peers', '--api', api.url, '--token', 'not-a-token');
    assert.equal(code, 1);
    assert.match(err.join('\n'), /^trust-mesh: TM_ERR_UNAUTHORIZED/);
  });
});
