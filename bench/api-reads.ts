// Bridge API point-read throughput: GET /v1/agents/:a/principals/:p (token check, rate limit, SQLite read,
// schema serialisation) against a bare fastify route returning the same record as a constant, in one run.
// autocannon runs in a child process, on the other core, so the load generator does not starve the server
// (a child process rather than a worker thread: autocannon skips aggregating its results inside worker threads).

import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { createToken } from '../src/api/auth.js';
import { startBridgeApi } from '../src/api/server.js';
import { TrustMeshNode } from '../src/node/node.js';
import { testKeyPair, testNetwork } from '../test/support/fixtures.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { median, round } from './support.js';

/** argv[2] of the load-generator child, followed by its job as JSON. */
const LOAD_FLAG = '--trust-mesh-api-reads-load';
const AGENT = 'bench-agent';
const PRINCIPAL = 'bench-principal';
/** Commits folded into the record read, so its history is not trivially short. */
const HISTORY = 5;
const CONNECTIONS = 10;

interface LoadJob {
  url: string;
  token: string;
  seconds: number;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

// The child side: one autocannon run, its summary sent back to the parent.
if (process.argv[2] === LOAD_FLAG) {
  const job = JSON.parse(process.argv[3]!) as LoadJob;
  const result = await autocannon({
    url: job.url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: job.seconds,
    headers: { authorization: `Bearer ${job.token}` },
  });
  const load: Load = {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
  process.send!(load, () => process.exit(0));
}

function runLoad(url: string, token: string, seconds: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    const job: LoadJob = { url, token, seconds };
    const child = fork(fileURLToPath(import.meta.url), [LOAD_FLAG, JSON.stringify(job)], {
      stdio: 'inherit',
    });
    child.once('message', (load: Load) => resolve(load));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
  });
}

export const apiReadsBench: Bench = {
  name: 'api-reads',
  title: 'Bridge API point reads vs a bare fastify route (autocannon in a child process)',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    const runs = full ? 7 : 5;
    const seconds = full ? 10 : 3;
    const dataDir = mkdtempSync(join(tmpdir(), 'trust-mesh-bench-'));
    const node = await TrustMeshNode.start({
      dataDir,
      network: testNetwork([100]),
      key: testKeyPair(0),
      type: 'bridge',
      validator: true,
      host: '127.0.0.1',
      port: 0,
      storageSync: 'normal',
    });
    const token = createToken('bench', ['read']);
    const serve = (recordCacheSize?: number) =>
      startBridgeApi(node, {
        port: 0,
        tokens: [token.entry],
        rateLimitPerMinute: 10_000_000,
        ...(recordCacheSize === undefined ? {} : { recordCacheSize }),
      });
    const api = await serve();
    const uncached = await serve(0);
    const bare = Fastify();
    try {
      for (let i = 0; i < HISTORY; i++) {
        const proposed = node.submit({
          agentId: AGENT,
          principalId: PRINCIPAL,
          trustScore: 500 + i,
          event: 'SCORE_UPDATE',
        });
        const settled = await node.whenSettled(proposed.id);
        if (settled.state !== 'committed') throw new Error(`seed update ${settled.state}`);
      }
      const record = node.record(AGENT, PRINCIPAL);
      bare.get('/v1/agents/:agentId/principals/:principalId', async () => record);
      await bare.listen({ host: '127.0.0.1', port: 0 });
      const path = `/v1/agents/${AGENT}/principals/${PRINCIPAL}`;
      const targets = {
        api: `${api.url}${path}`,
        uncached: `${uncached.url}${path}`,
        bare: `http://127.0.0.1:${(bare.server.address() as { port: number }).port}${path}`,
      };
      const check = await fetch(targets.api, { headers: { authorization: `Bearer ${token.token}` } });
      if (check.status !== 200 || (await check.text()) !== JSON.stringify(record))
        throw new Error('the API does not answer the seeded record');
      const sides = ['bare', 'api', 'uncached'] as const;
      type Side = (typeof sides)[number];
      log('warming up each server (2 s each)');
      for (const side of sides) await runLoad(targets[side], token.token, 2);
      const loads: Record<Side, Load[]> = { api: [], uncached: [], bare: [] };
      for (let i = 0; i < runs; i++) {
        // Rotate which goes first, so drift (thermal, GC, other load) does not favour one side.
        const order = sides.map((_, k) => sides[(i + k) % sides.length]!);
        for (const side of order) {
          const load = await runLoad(targets[side], token.token, seconds);
          if (load.non2xx > 0 || load.errors > 0)
            throw new Error(`${side}: ${load.non2xx} non-2xx answers, ${load.errors} errors`);
          loads[side].push(load);
          log(
            `run ${i + 1}/${runs} ${side.padEnd(4)} ${Math.round(load.rps)} req/s, p50 ${load.p50} ms, p99 ${load.p99} ms`,
          );
        }
      }
      const rps = (side: Side) => median(loads[side].map((load) => load.rps));
      /** Each run's sides ran back to back, so their ratio is steadier than the ratio of medians. */
      const ratio = (side: Side) => median(loads[side].map((load, i) => load.rps / loads.bare[i]!.rps));
      const p99 = (side: Side) => median(loads[side].map((load) => load.p99));
      return {
        name: 'api-reads',
        title: this.title,
        setup: {
          runs,
          secondsPerRun: seconds,
          connections: CONNECTIONS,
          pipelining: 1,
          historyItems: HISTORY,
        },
        figures: {
          apiRequestsPerSecond: Math.round(rps('api')),
          bareRequestsPerSecond: Math.round(rps('bare')),
          ratio: round(ratio('api'), 3),
          apiP50: median(loads.api.map((load) => load.p50)),
          apiP99: p99('api'),
          bareP99: p99('bare'),
          uncachedRequestsPerSecond: Math.round(rps('uncached')),
          uncachedRatio: round(ratio('uncached'), 3),
          uncachedP99: p99('uncached'),
        },
        units: {
          apiRequestsPerSecond: 'req/s',
          bareRequestsPerSecond: 'req/s',
          ratio: 'api/bare (target >= 0.7)',
          apiP50: 'ms',
          apiP99: 'ms (target < 5)',
          bareP99: 'ms',
          uncachedRequestsPerSecond: 'req/s',
          uncachedRatio: 'uncached/bare',
          uncachedP99: 'ms',
        },
        notes: [
          'medians over runs; ratios are medians of per-run ratios; each run rotates which server goes first',
          'the API path includes bearer-token check, rate limiting, the record read and schema serialisation',
          'api: the default API, whose record cache answers repeated reads of one subject until it changes',
          'uncached: the same API with recordCacheSize 0, rebuilding the record from SQLite on every request',
          'autocannon reports latency in whole milliseconds',
        ],
      };
    } finally {
      await bare.close();
      await api.close();
      await uncached.close();
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
