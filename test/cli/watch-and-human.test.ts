// `trust-mesh watch` and `peers`, and the human output of the client commands (issue 18, Build 2, for bridges):
// NDJSON with --json or into a pipe, one summary line per change for people on a terminal.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BridgeApi } from '../../src/api/server.js';
import { formatEvent, formatRecord, formatStatus, formatUpdate } from '../../src/cli/human-output.js';
import { TrustMeshClient } from '../../src/client/client.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { ApiMesh, reader, writer } from '../api/support.js';
import { testNetwork } from '../support/fixtures.js';
import { CliHarness } from './cli-process.js';

describe('trust-mesh watch, peers and human output against a bridge', { timeout: 60_000 }, () => {
  const mesh = new ApiMesh(testNetwork([100]));
  const cli = new CliHarness();
  let node: TrustMeshNode;
  let api: BridgeApi;
  let client: TrustMeshClient;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ({ node, api } = await mesh.bridge(0));
    client = new TrustMeshClient({ baseUrl: api.url, token: writer.token });
    env = { TRUST_MESH_API: api.url, TRUST_MESH_TOKEN: reader.token };
    const { id } = await client.submitEvent({
      agentId: 'w',
      principalId: 'p',
      trustScore: 640,
      event: 'REGISTRATION',
    });
    assert.equal((await client.waitForUpdate(id)).status, 'committed');
  });
  after(async () => {
    await cli.cleanup();
    await mesh.cleanup();
  });

  test('watch --from 0 --count 2 replays the commit, then follows a revocation made after it started', async () => {
    const from = node.latestSeq();
    const replay = cli.spawn(['watch', '--from', '0', '--count', '2', '--json'], env);
    // Starts after the seq it was given, so the revocation reaches it whenever its connection opens.
    const live = cli.spawn(['watch', '--from', String(from), '--count', '1'], env);
    await client.revoke({ agentId: 'w', principalId: 'p', reason: 'compromised' });
    for (const run of [replay, live]) assert.equal((await run.waitForExit(15_000)).code, 0, run.stderr);
    const lines = replay.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((line) => [line.type, line.agentId]),
      [
        ['COMMIT', 'w'],
        ['REVOCATION', 'w'],
      ],
    );
    // Not a terminal: JSON by default as well.
    const [liveLine] = live.stdout.trim().split('\n');
    assert.equal((JSON.parse(liveLine!) as { type: string }).type, 'REVOCATION');
  });

  test('peers --json lists the connected peers', async () => {
    const run = await cli.run(['peers', '--json'], env);
    assert.equal(run.exit?.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout) as { peers: unknown[]; routing?: { size: number } };
    assert.deepEqual(printed.peers, []);
    assert.equal(printed.routing?.size ?? 0, 0, 'the routing table is shown too, empty on a lone bridge');
  });

  test('the human forms name what matters', async () => {
    const status = formatStatus(await client.status());
    assert.match(status, new RegExp(`^node\\s+${node.nodeId} \\(bridge, validator\\)`, 'm'));
    assert.match(status, /^ledger\s+\d+ entries, latest seq \d+$/m);
    assert.match(status, /^sync\s+synced \(\d+\/\d+ blocks, \d+ entries fetched\)$/m);
    const record = await client.record('w', 'p');
    assert.ok(record);
    const shown = formatRecord(record);
    assert.match(shown, /^score\s+640 \(REVOKED\)$/m);
    assert.match(shown, /REGISTRATION/);
    assert.match(shown, /REVOCATION/);
    const { id } = await client.submitEvent({
      agentId: 'w2',
      principalId: 'p',
      trustScore: 1,
      event: 'SCORE_UPDATE',
    });
    assert.match(formatUpdate(await client.waitForUpdate(id)), /^votes\s+1, accepting stake 100 of 100/m);
    const events = [];
    for await (const change of client.stream({ lastEventId: 0 })) {
      events.push(formatEvent(change));
      if (events.length === 2) break;
    }
    assert.match(events[0]!, /^\s+1 {2}\S+ {2}COMMIT\s+w\/p score 640 \(REGISTRATION\)/);
    assert.match(events[1]!, /REVOCATION\s+w\/p revoked: compromised/);
  });
});
