import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';

const CHILD = fileURLToPath(new URL('../fixtures/crash-child.js', import.meta.url));

describe('durability', () => {
  let dir: string;
  let child: ChildProcess | null = null;
  afterEach(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('every update a node reported committed survives SIGKILL at an arbitrary moment', async () => {
    dir = mkdtempSync(join(tmpdir(), 'trust-mesh-crash-'));
    const dataDir = join(dir, 'node');
    const reported: string[] = [];
    const started = spawn(process.execPath, [CHILD, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = started;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      started.once('exit', (_code, signal) => resolve(signal)),
    );
    // Every line the child wrote before it died counts as reported, including ones still in the pipe at the kill.
    const drained = new Promise<void>((resolve, reject) => {
      started.once('error', reject);
      const lines = createInterface({ input: started.stdout! });
      lines.on('line', (line) => {
        if (!line.startsWith('COMMITTED ')) return;
        reported.push(line.slice('COMMITTED '.length));
        // Kill mid-burst, at a count that is not a burst boundary.
        if (reported.length === 337) started.kill('SIGKILL');
      });
      lines.once('close', () => resolve());
    });
    await drained;
    assert.equal(await exited, 'SIGKILL');
    assert.ok(reported.length >= 337, 'the child reported commits before it was killed');

    const store = SqliteStore.open(join(dataDir, 'trust-mesh.db'), { crypto: sodiumCrypto });
    try {
      const missing = reported.filter((key) => !store.has(key));
      assert.deepEqual(missing, [], 'no reported commit is lost');
      assert.ok(store.size() >= reported.length);
      for (const key of reported.slice(-5)) {
        const entry = store.get(key);
        assert.equal(entry?.type, 'COMMIT');
      }
    } finally {
      store.close();
    }
  });
});
