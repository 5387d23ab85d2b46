// The Dockerfile and deploy/docker/compose.yaml (issue 18, Build 7), checked without a Docker engine: the files
// agree with each other and with the settings table, and what the containers run works when run here directly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { TrustMeshClient } from '../../src/client/client.js';
import { SETTINGS } from '../../src/config/settings.js';
import { CliProcess, REPO_ROOT } from '../cli/cli-process.js';
import { freePorts } from '../support/ports.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'deploy/docker/compose.yaml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const NODES = ['node-a', 'node-b', 'node-c'] as const;
/** Where the image puts the package: /app/<path> is <path> of this repository. */
const APP = '/app/';

/** A JSON-array instruction (`ENTRYPOINT ["node", …]`) of the Dockerfile's last stage. */
function execForm(instruction: string): string[] {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const match = new RegExp(`^${instruction}[^\\[]*(\\[.*\\])$`, 'm').exec(runtime);
  assert.ok(match, `the runtime stage has ${instruction} in exec form`);
  return JSON.parse(match[1]!) as string[];
}

/** A path in the image as the repository file it was copied from. */
function repoFile(imagePath: string): string {
  assert.ok(imagePath.startsWith(APP), imagePath);
  return join(REPO_ROOT, imagePath.slice(APP.length));
}

/** The volume mounted over a container path, and the rest of the path inside it. */
function mountOf(service: Service, containerPath: string): { volume: string; rest: string } {
  for (const spec of service.volumes ?? []) {
    const [volume, target] = spec.split(':') as [string, string];
    if (containerPath === target || containerPath.startsWith(`${target}/`))
      return { volume, rest: containerPath.slice(target.length) };
  }
  assert.fail(`no volume holds ${containerPath}`);
}

describe('Docker image and compose file', () => {
  test('the Dockerfile: two Node 20 slim stages, npm ci then the build, a non-root user, a data volume', () => {
    const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    assert.deepEqual(stages, ['node:20-bookworm-slim', 'node:20-bookworm-slim']);
    const install = dockerfile.indexOf('npm ci');
    assert.ok(install > 0 && dockerfile.indexOf('npm run build') > install, 'npm ci, then the build');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(runtime, /^USER node$/m);
    assert.ok(runtime.indexOf('USER node') < runtime.indexOf('ENTRYPOINT'), 'the node runs as the user');
    assert.match(runtime, /^VOLUME \["\/data"\]$/m);
    assert.match(runtime, /^ENV NODE_ENV=production \\\n\s+TRUST_MESH_DATA_DIR=\/data$/m);
    // Every file the runtime stage copies from the build context is in the repository.
    for (const [, sources] of runtime.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
      for (const source of sources!.split(' ')) assert.ok(existsSync(join(REPO_ROOT, source)), source);
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const path of ['node_modules', 'dist', '.git']) assert.ok(ignored.includes(path), path);
  });

  test('the image runs trust-mesh and checks /healthz with files of the package', () => {
    const entrypoint = execForm('ENTRYPOINT');
    assert.deepEqual(entrypoint, ['node', '/app/bin/trust-mesh.js']);
    assert.deepEqual(execForm('CMD'), ['start']);
    const health = execForm('HEALTHCHECK');
    assert.deepEqual(health.slice(0, 1), ['node']);
    for (const path of [entrypoint[1]!, health[1]!, compose.services.init!.entrypoint![0]!])
      assert.ok(existsSync(repoFile(path)), path);
    assert.match(readFileSync(repoFile(health[1]!), 'utf8'), /\/healthz/);
  });

  test('compose: every mount point exists in the image, owned by the node user', () => {
    const made = /^RUN mkdir -p (.+) \\\n\s+&& chown -R node:node (.+)$/m.exec(dockerfile);
    assert.ok(made, 'the runtime stage makes its mount points and hands them to the node user');
    const dirs = made[1]!.split(' ');
    const owned = made[2]!.split(' ');
    for (const service of Object.values(compose.services))
      for (const spec of service.volumes ?? []) {
        const target = spec.split(':')[1]!;
        assert.ok(dirs.includes(target), `${target} is made in the image`);
        assert.ok(
          owned.some((dir) => target === dir || target.startsWith(`${dir}/`)),
          `${target} is chowned`,
        );
      }
  });

  test('compose: settings are ones the node has, and volumes, endpoints and ports agree', () => {
    const envNames = new Set([
      ...Object.values(SETTINGS).map((setting) => setting.env),
      'TRUST_MESH_DATA_DIR',
    ]);
    const init = compose.services.init!;
    assert.deepEqual(init.build, { context: '../..', dockerfile: 'Dockerfile' });
    assert.ok(existsSync(join(REPO_ROOT, 'deploy/docker', init.build.context, init.build.dockerfile)));
    for (const name of NODES) {
      const service = compose.services[name]!;
      const env = service.environment!;
      assert.equal(service.image, init.image, `${name} runs the image init builds`);
      assert.deepEqual(service.depends_on, { init: { condition: 'service_completed_successfully' } });
      for (const key of Object.keys(env)) assert.ok(envNames.has(key), `${name}: ${key} is a setting`);
      // The node's data volume is the one init wrote its folder into, and the network file lies where init put it.
      const data = mountOf(service, env.TRUST_MESH_DATA_DIR!);
      assert.deepEqual(mountOf(init, `/init/${name}`), { volume: data.volume, rest: '' });
      assert.equal(data.rest, '');
      const network = mountOf(service, env.TRUST_MESH_NETWORK!);
      assert.deepEqual(network, { volume: 'network', rest: '/network.json' });
      assert.deepEqual(mountOf(init, '/init/network'), { volume: 'network', rest: '' });
      assert.ok(service.volumes!.includes('network:/mesh:ro'), 'nodes only read the network file');
      // Peers dial the endpoint init wrote into the network file: this node's advertised host and mesh port.
      const letter = name.slice(-1).toUpperCase();
      assert.equal(
        init.environment![`TM_ENDPOINT_${letter}`],
        `ws://${env.TRUST_MESH_ADVERTISE_HOST}:${env.TRUST_MESH_PORT}`,
      );
      assert.equal(env.TRUST_MESH_ADVERTISE_HOST, name, 'the advertised host is the service name');
      assert.equal(env.TRUST_MESH_HOST, '0.0.0.0');
      // The healthcheck finds a port with /healthz: the bridge API's, or a full node's admin port.
      assert.ok(env.TRUST_MESH_API_PORT ?? env.TRUST_MESH_ADMIN_PORT, `${name} has a port with /healthz`);
    }
    for (const volume of Object.keys(compose.volumes)) assert.ok(['network', ...NODES].includes(volume));
    const bridge = compose.services['node-c']!;
    assert.deepEqual(bridge.ports, [`127.0.0.1:8081:${bridge.environment!.TRUST_MESH_API_PORT}`]);
    assert.equal(bridge.environment!.TRUST_MESH_API_HOST, '0.0.0.0', 'the published API port is reachable');
    for (const name of ['node-a', 'node-b']) assert.equal(compose.services[name]!.ports, undefined);
  });
});

describe('what the containers run, run on this machine', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'trust-mesh-compose-'));
  const children: CliProcess[] = [];
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map((child) => child.waitForExit(5_000).catch(() => undefined)));
    rmSync(root, { recursive: true, force: true });
  });

  /** Runs a program as the image would: the container's paths moved under `root` (one folder per volume). */
  function run(command: string, args: readonly string[], env: Record<string, string>): CliProcess {
    const child = new CliProcess(
      spawn(command, args, {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: root, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    children.push(child);
    return child;
  }
  const hostPath = (service: Service, containerPath: string) => {
    const { volume, rest } = mountOf(service, containerPath);
    return join(root, volume, ...posix.normalize(rest).split('/').filter(Boolean));
  };

  test('init makes the mesh, the three nodes start from it, commit an update and report healthy', async () => {
    const ports = await freePorts(6);
    const mesh = new Map(NODES.map((name, index) => [name, String(ports[index])]));
    const [apiPort, adminA, adminB] = ports.slice(3).map(String) as [string, string, string];
    const init = compose.services.init!;
    // The compose network's names are one machine here: every host is 127.0.0.1, every port a free one.
    const initEnv = Object.fromEntries(
      NODES.map((name) => [
        `TM_ENDPOINT_${name.slice(-1).toUpperCase()}`,
        `ws://127.0.0.1:${mesh.get(name)}`,
      ]),
    );
    const initArgs = init.command!.map((arg) =>
      arg === '/init' ? root : assert.fail(`unexpected init argument ${arg}`),
    );
    const made = run(repoFile(init.entrypoint![0]!), initArgs, initEnv);
    assert.equal((await made.waitForExit(30_000)).code, 0, made.stderr);
    assert.match(made.stdout, /init-mesh: three nodes in /);
    const token = readFileSync(join(root, 'node-c', 'operator-token'), 'utf8').trim();
    assert.match(token, /^tm_/);
    const network = JSON.parse(readFileSync(join(root, 'network', 'network.json'), 'utf8')) as {
      nodes: Array<{ name: string; stake: number; endpoints?: string[] }>;
    };
    assert.deepEqual(
      network.nodes.map((node) => [node.name, node.stake]),
      NODES.map((name) => [name, 100]),
    );

    const [entry, script] = execForm('ENTRYPOINT');
    assert.equal(entry, 'node');
    const local: Record<string, string> = {
      TRUST_MESH_HOST: '127.0.0.1',
      TRUST_MESH_API_HOST: '127.0.0.1',
      TRUST_MESH_ADVERTISE_HOST: '127.0.0.1',
    };
    const nodeEnvs = new Map<string, Record<string, string>>();
    for (const name of NODES) {
      const service = compose.services[name]!;
      const env: Record<string, string> = { ...service.environment! };
      env.TRUST_MESH_DATA_DIR = hostPath(service, env.TRUST_MESH_DATA_DIR!);
      env.TRUST_MESH_NETWORK = hostPath(service, env.TRUST_MESH_NETWORK!);
      for (const key of Object.keys(local)) if (key in env) env[key] = local[key]!;
      env.TRUST_MESH_PORT = mesh.get(name)!;
      if (env.TRUST_MESH_API_PORT) env.TRUST_MESH_API_PORT = apiPort;
      if (env.TRUST_MESH_ADMIN_PORT) env.TRUST_MESH_ADMIN_PORT = name === 'node-a' ? adminA : adminB;
      nodeEnvs.set(name, env);
      run(process.execPath, [repoFile(script!), ...compose.services[name]!.command!], env);
    }

    const bridge = new TrustMeshClient({ baseUrl: `http://127.0.0.1:${apiPort}`, token });
    await until(async () => (await bridge.status().catch(() => undefined))?.peers === 2, 30_000);
    const submitted = await bridge.submitEvent({
      agentId: 'compose-agent',
      principalId: 'operator',
      trustScore: 640,
      event: 'REGISTRATION',
    });
    assert.equal((await bridge.waitForUpdate(submitted.id, { timeoutMs: 20_000 })).status, 'committed');
    const nodeA = new TrustMeshClient({ baseUrl: `http://127.0.0.1:${adminA}` });
    // Node A's admin port may open after its mesh links are up (what the bridge's peer count saw): until it
    // listens, a refused connection is a reason to wait, not a failure.
    await until(
      async () => (await nodeA.record('compose-agent', 'operator').catch(() => null))?.trustScore === 640,
      10_000,
    );

    // The image's HEALTHCHECK, with each container's environment.
    for (const name of NODES) {
      const check = run(process.execPath, [repoFile(execForm('HEALTHCHECK')[1]!)], nodeEnvs.get(name)!);
      assert.equal((await check.waitForExit(10_000)).code, 0, `${name}: ${check.stderr}`);
    }

    // A second `up` runs init again: it leaves the made mesh (keys, token) alone.
    const keyBefore = readFileSync(join(root, 'node-a', 'node-key.json'), 'utf8');
    const again = run(repoFile(init.entrypoint![0]!), initArgs, initEnv);
    assert.equal((await again.waitForExit(10_000)).code, 0, again.stderr);
    assert.match(again.stdout, /nothing to do/);
    assert.equal(readFileSync(join(root, 'node-a', 'node-key.json'), 'utf8'), keyBefore);

    // `docker stop` sends SIGTERM: each node exits 0 well within the compose file's stop_grace_period.
    const nodes = children.filter((child) => child.running);
    assert.equal(nodes.length, 3);
    for (const node of nodes) node.kill('SIGTERM');
    for (const node of nodes) assert.equal((await node.waitForExit(10_000)).code, 0, node.stderr);
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
