// The CLI as operators and scripts use it, as real child processes (node bin/trust-mesh.js): the client commands
// against a running bridge, `token create | list | revoke`, and `start --type bridge` serving the API it configures.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../../src/api/auth.js';
import type { BridgeApi } from '../../src/api/server.js';
import { TrustMeshClient } from '../../src/client/client.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { CliHarness, initNode, startArgs, writeNetworkFile } from '../cli/cli-process.js';
import { testNetwork } from '../support/fixtures.js';
import { ApiMesh, reader, writer } from './support.js';

const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe('trust-mesh submit | revoke | get | status against a running bridge', { timeout: 60_000 }, () => {
  const mesh = new ApiMesh(testNetwork([100]));
  const cli = new CliHarness();
  let node: TrustMeshNode;
  let api: BridgeApi;

  before(async () => {
    ({ node, api } = await mesh.bridge(0));
  });
  after(async () => {
    await cli.cleanup();
    await mesh.cleanup();
  });

  test('submit --wait commits; get, get --update, revoke and status print the JSON answers', async () => {
    const flags = ['--api', api.url, '--token', writer.token];
    const submit = await cli.run([
      'submit',
      '--agent',
      'cli-agent',
      '--principal',
      'cli-user',
      '--score',
      '640',
      '--event',
      'REGISTRATION',
      '--wait',
      ...flags,
    ]);
    assert.equal(submit.exit?.code, 0, submit.stderr);
    const settled = json(submit.stdout);
    assert.equal(settled.status, 'committed');
    assert.equal(settled.trustScore, 640);

    // The environment works as well as the flags.
    const env = { TRUST_MESH_API: api.url, TRUST_MESH_TOKEN: reader.token };
    const [record, update, status] = await Promise.all([
      cli.run(['get', '--agent', 'cli-agent', '--principal', 'cli-user'], env),
      cli.run(['get', '--update', String(settled.id)], env),
      cli.run(['status'], env),
    ]);
    assert.equal(record.exit?.code, 0, record.stderr);
    assert.equal(json(record.stdout).trustScore, 640);
    assert.equal(json(update.stdout).status, 'committed');
    assert.equal(json(status.stdout).nodeId, node.nodeId);

    const revoke = await cli.run([
      'revoke',
      '--agent',
      'cli-agent',
      '--principal',
      'cli-user',
      '--reason',
      'compromised',
      ...flags,
    ]);
    assert.equal(revoke.exit?.code, 0, revoke.stderr);
    assert.equal(json(revoke.stdout).status, 'applied');
    assert.equal(node.record('cli-agent', 'cli-user')?.revoked, true);
  });

  test('failures print one line with the code and exit 1', async () => {
    const submit = ['submit', '--agent', 'a', '--principal', 'p', '--api', api.url];
    const [forbidden, range, missing, unreachable] = await Promise.all([
      cli.run([...submit, '--score', '10', '--token', reader.token]),
      cli.run([...submit, '--score', '5000', '--token', writer.token]),
      cli.run(['get', '--agent', 'nobody', '--principal', 'none', '--api', api.url, '--token', reader.token]),
      // Port 1 on loopback: nothing listens there.
      cli.run(['status', '--api', 'http://127.0.0.1:1', '--token', reader.token]),
    ]);
    const cases: Array<[typeof forbidden, RegExp]> = [
      [forbidden, /^trust-mesh: TM_ERR_FORBIDDEN: /],
      [
        range,
        /^error: option '--score <0-1000>' argument '5000' is invalid\. must be a whole number from 0 to 1000/,
      ],
      [missing, /^trust-mesh: TM_ERR_NOT_FOUND: /],
      [unreachable, /^trust-mesh: TM_ERR_UNREACHABLE: /],
    ];
    for (const [run, pattern] of cases) {
      assert.equal(run.exit?.code, 1, run.stderr);
      assert.match(run.stderr.trim(), pattern);
      assert.equal(run.stdout, '');
    }
  });

  test('issue 18: the CLI answers in its own words (--score, --token, TRUST_MESH_TOKEN) and takes host:port', async () => {
    const entriesBefore = node.latestSeq();
    const hostPort = api.url.replace(/^http:\/\//, '');
    const [score, noToken, badToken, schemeless, schemelessEnv, badUrl] = await Promise.all([
      cli.run(['submit', '--agent', 'a', '--principal', 'p', '--score', '1001', '--api', api.url]),
      cli.run(['status', '--api', api.url]),
      cli.run(['status', '--api', api.url, '--token', 'tm_not-a-token']),
      cli.run(['status', '--api', hostPort, '--token', reader.token]),
      cli.run(['status'], { TRUST_MESH_API: hostPort, TRUST_MESH_TOKEN: reader.token }),
      cli.run(['status', '--api', 'ftp://example', '--token', reader.token]),
    ]);
    assert.equal(score.exit?.code, 1);
    assert.match(score.stderr, /--score/);
    assert.match(score.stderr, /from 0 to 1000/);
    assert.doesNotMatch(score.stderr, /body\.trustScore|field: trustScore/);
    assert.equal(node.latestSeq(), entriesBefore, 'nothing was sent');

    assert.equal(noToken.exit?.code, 1);
    assert.match(noToken.stderr, /TM_ERR_UNAUTHORIZED/);
    assert.match(noToken.stderr, /--token/);
    assert.match(noToken.stderr, /TRUST_MESH_TOKEN/);
    assert.match(badToken.stderr, /does not know this token: check --token or TRUST_MESH_TOKEN/);

    for (const run of [schemeless, schemelessEnv]) {
      assert.equal(run.exit?.code, 0, run.stderr);
      assert.equal(json(run.stdout).nodeId, node.nodeId);
    }
    assert.equal(badUrl.exit?.code, 1);
    assert.match(badUrl.stderr, /TM_ERR_CONFIG_INVALID: --api must be the bridge API's address/);
  });
});

describe('trust-mesh submit --wait when too little stake votes before the deadline', {
  timeout: 60_000,
}, () => {
  const mesh = new ApiMesh(testNetwork([100], {}, { proposalTimeoutMs: 300 }));
  const cli = new CliHarness();
  after(async () => {
    await cli.cleanup();
    await mesh.cleanup();
  });

  test('issue 18: the expired update is printed, exit 1, with a hint that validators may be offline', async () => {
    // The only stake is on a node that does not vote: the proposal expires.
    const { api } = await mesh.bridge(0, {}, { validator: false });
    const submit = await cli.run([
      'submit',
      ...['--agent', 'lonely', '--principal', 'p', '--score', '5'],
      ...['--wait', '--api', api.url, '--token', writer.token],
    ]);
    assert.equal(submit.exit?.code, 1, submit.stderr);
    const settled = json(submit.stdout);
    assert.equal(settled.status, 'rejected');
    assert.equal(settled.rejection, 'TM_ERR_PROPOSAL_EXPIRED');
    assert.match(submit.stderr, /expired without a majority: 0 vote\(s\), accepting stake 0 of 100/);
    assert.match(submit.stderr, /Are enough validators online/);
  });
});

describe('trust-mesh submit --wait against a bridge whose updates stay pending', { timeout: 60_000 }, () => {
  const mesh = new ApiMesh(testNetwork([100]));
  const cli = new CliHarness();
  after(async () => {
    await cli.cleanup();
    await mesh.cleanup();
  });

  test('past --wait-timeout: TM_ERR_CLIENT_TIMEOUT saying the update may still commit, exit 1', async () => {
    // Node 0 holds all the stake but does not vote: nothing settles before the proposal's deadline.
    const { node, api } = await mesh.bridge(0, {}, { validator: false });
    const submit = await cli.run([
      'submit',
      ...['--agent', 'slow-agent', '--principal', 'p', '--score', '5'],
      ...['--wait', '--wait-timeout', '300', '--api', api.url, '--token', writer.token],
    ]);
    assert.equal(submit.exit?.code, 1, submit.stderr);
    assert.equal(submit.stdout, '');
    assert.match(
      submit.stderr.trim(),
      /^trust-mesh: TM_ERR_CLIENT_TIMEOUT: update \S+ is still pending after 300 ms; it may still commit/,
    );
    assert.equal(node.status().pendingProposals, 1, 'the update is still pending on the mesh');
  });
});

describe('trust-mesh token and start --type bridge', { timeout: 60_000 }, () => {
  const cli = new CliHarness();
  after(() => cli.cleanup());

  test('a token made by `token create` opens the API that `start --type bridge` serves', async () => {
    const node = await initNode(cli);
    const network = writeNetworkFile(cli.tempDir(), [node.publicKey]);
    const create = await cli.run([
      'token',
      'create',
      '--name',
      'ops',
      '--scopes',
      'read,write',
      '--data-dir',
      node.dataDir,
    ]);
    assert.equal(create.exit?.code, 0, create.stderr);
    const token = create.stdout.trim();
    assert.match(token, /^tm_[A-Za-z0-9_-]{43}$/);
    const config = readFileSync(join(node.dataDir, 'config.json'), 'utf8');
    assert.ok(!config.includes(token), 'the token itself is never stored');
    assert.deepEqual(json(config).api, {
      tokens: [{ name: 'ops', sha256: hashToken(token), scopes: ['read', 'write'] }],
    });

    const duplicate = await cli.run(['token', 'create', '--name', 'ops', '--data-dir', node.dataDir]);
    assert.equal(duplicate.exit?.code, 1);
    assert.match(duplicate.stderr, /exists/);
    const list = await cli.run(['token', 'list', '--data-dir', node.dataDir]);
    assert.equal(list.stdout, 'ops\tread,write\n');

    const bridge = cli.spawn([...startArgs(node.dataDir, network, 0), '--type', 'bridge', '--api-port', '0']);
    const listening = await bridge.waitForLog('bridge API listening', 15_000);
    const client = new TrustMeshClient({ baseUrl: String(listening.url), token });
    const status = await client.status();
    assert.equal(status.nodeId, node.nodeId);
    assert.equal(status.type, 'bridge');
    assert.equal(
      (await client.submitEvent({ agentId: 'a', principalId: 'p', trustScore: 1, event: 'REGISTRATION' }))
        .status,
      'pending',
    );
    await assert.rejects(
      new TrustMeshClient({ baseUrl: String(listening.url), token: 'tm_wrong' }).status(),
      (error: Error & { code?: string }) => error.code === 'TM_ERR_UNAUTHORIZED',
    );
    bridge.kill('SIGTERM');
    assert.deepEqual(await bridge.waitForExit(5_000), { code: 0, signal: null }, bridge.stderr);

    const revoke = await cli.run(['token', 'revoke', '--name', 'ops', '--data-dir', node.dataDir]);
    assert.equal(revoke.exit?.code, 0, revoke.stderr);
    assert.deepEqual(json(readFileSync(join(node.dataDir, 'config.json'), 'utf8')).api, { tokens: [] });
  });
});
