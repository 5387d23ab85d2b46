import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { LedgerEntry } from '../../../src/core/messages/schemas.js';
import type { Verified } from '../../../src/core/verified.js';
import { internals } from '../../../src/node/internals.js';
import { EntryMaker } from '../../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../../support/fixtures.js';
import { TestMesh } from '../../support/mesh.js';

const CHILD = fileURLToPath(new URL('../../fixtures/sync-crash-child.js', import.meta.url));
/** 100 entries a block over about 200 blocks (two parts each): many pages and parts, yet a fast suite. */
const ENTRIES = 20_000;

/** Runs the child until it prints a line `stop` accepts (then kills it) or it exits; returns its lines. */
async function runChild(
  dataDir: string,
  peer: string,
  stop: (line: string) => boolean,
  track: (child: ChildProcess) => void,
): Promise<{ lines: string[]; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [CHILD, dataDir, peer], { stdio: ['ignore', 'pipe', 'inherit'] });
  track(child);
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    const reader = createInterface({ input: child.stdout! });
    reader.on('line', (line) => {
      lines.push(line);
      if (stop(line)) child.kill('SIGKILL');
    });
    reader.once('close', () => resolve());
  });
  return { lines, signal: await exited };
}

describe('sync survives kill -9', () => {
  let mesh: TestMesh;
  let child: ChildProcess | null = null;
  afterEach(async () => {
    child?.kill('SIGKILL');
    await mesh.cleanup();
  });

  test(`killed during a ${ENTRIES.toLocaleString('en')}-entry sync, a node resumes without refetching applied parts`, async () => {
    const network = testNetwork([10, 0, 0], { epochMs: 1_000 });
    mesh = new TestMesh(network);
    const server = await mesh.start(testKeyPair(0), { sync: { blockGraceMs: 0 } });
    // 100 entries per block, signed here and stored straight into the serving node.
    // Dated 10 ms apart and all in the past by 30 s, so every block is closed and served by sync.
    const maker = new EntryMaker({ network, clock: new ManualClock(Date.now() - ENTRIES * 10 - 30_000) });
    const { store } = internals(server);
    store.transaction(() => {
      for (let i = 0; i < ENTRIES; i++) {
        store.append(
          maker.commit({ agentId: `agent-${i}`, principalId: 'p' }, { voters: [0] }) as Verified<LedgerEntry>,
        );
        maker.clock.advance(10);
      }
    });
    const dataDir = join(mesh.tempDir(), 'node');
    // Every part the sync needs, as the largest total reported: a round cut short hands back what it left
    // unapplied (the total drops to what is done) until the next round plans it again.
    let planned = 0;
    const first = await runChild(
      dataDir,
      server.endpoint,
      (line) => {
        const [word, done, total] = line.split(' ');
        if (word !== 'PROGRESS') return false;
        planned = Math.max(planned, Number(total));
        return planned > 0 && Number(done) >= planned * 0.7;
      },
      (started) => (child = started),
    );
    assert.equal(first.signal, 'SIGKILL');

    const db = new Database(join(dataDir, 'trust-mesh.db'));
    let appliedBefore: number;
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      appliedBefore = (db.prepare('SELECT count(*) AS n FROM sync_applied').get() as { n: number }).n;
    } finally {
      db.close();
    }
    assert.ok(appliedBefore > 0 && appliedBefore < planned, `${appliedBefore} of ${planned} applied`);

    const second = await runChild(
      dataDir,
      server.endpoint,
      () => false,
      (started) => (child = started),
    );
    const synced = second.lines.find((line) => line.startsWith('SYNCED '));
    assert.ok(synced !== undefined, 'the restarted node caught up');
    const [, hash, plannedAgain, appliedAgain] = synced.split(' ');
    assert.equal(hash, server.stateHash());
    // A round cut short by a timeout (a loaded machine) plans what it left in the next round: still no applied part.
    const detail = `${planned} parts planned, ${appliedBefore} applied before the kill; after restart: ${synced}`;
    assert.equal(
      Number(plannedAgain),
      planned - appliedBefore,
      `applied parts are not fetched again (${detail})`,
    );
    assert.equal(
      Number(appliedAgain),
      planned - appliedBefore,
      `each missing part is applied once (${detail})`,
    );
    const check = new Database(join(dataDir, 'trust-mesh.db'));
    try {
      assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
      assert.equal((check.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n, ENTRIES);
      assert.equal(
        (check.prepare('SELECT count(*) AS n FROM sync_applied').get() as { n: number }).n,
        planned,
        'every planned part is recorded applied',
      );
    } finally {
      check.close();
    }
  });
});
