// The sync progress bar of `trust-mesh start` (issue 14, Build 7): its one-line form, and that it is drawn only
// on a terminal, follows 'sync' events and is erased once the node has caught up.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { formatSyncBar, showSyncProgress } from '../../src/cli/sync-progress-bar.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import type { SyncStatus } from '../../src/node/sync/progress.js';

const syncing = (overrides: Partial<SyncStatus> = {}): SyncStatus => ({
  state: 'syncing',
  ready: false,
  startedAt: 0,
  blocksTotal: 32,
  blocksDone: 12,
  entriesApplied: 6_000,
  entriesPerSecond: 850,
  etaMs: 2_400,
  peers: [],
  ...overrides,
});

describe('sync progress bar', () => {
  test('shows blocks done of planned, entries/s and the ETA on one line', () => {
    assert.equal(
      formatSyncBar(syncing()),
      'syncing [#########---------------]  12/32 blocks  850 entries/s  ETA 3s',
    );
    assert.equal(
      formatSyncBar(syncing({ blocksDone: 32, etaMs: 3_725_000 })),
      'syncing [########################]  32/32 blocks  850 entries/s  ETA 1h02m',
    );
    assert.match(formatSyncBar(syncing({ etaMs: 125_000 })), /ETA 2m05s$/);
    const asking = formatSyncBar(syncing({ blocksTotal: 0, blocksDone: 0, etaMs: undefined }));
    assert.equal(asking, 'syncing [------------------------]  0/0 blocks  850 entries/s  ETA -');
    assert.equal(
      formatSyncBar(syncing({ state: 'synced', ready: true, blocksDone: 32 })),
      'synced: 32 blocks, 6000 entries',
    );
  });

  test('fits a narrow terminal, leaving the last column free so the cursor does not wrap', () => {
    const line = formatSyncBar(syncing(), 40);
    assert.equal(line.length, 39);
    assert.ok(line.startsWith('syncing [#########'));
  });

  test('draws on a terminal while syncing, redraws on each event, erases itself once ready', () => {
    let status = syncing();
    const node = Object.assign(new EventEmitter(), { syncStatus: () => status });
    const written: string[] = [];
    const stream = { isTTY: true, columns: 100, write: (text: string) => written.push(text) };
    showSyncProgress(node as unknown as TrustMeshNode, stream);
    assert.deepEqual(written, [`\r\x1b[2K${formatSyncBar(status, 100)}`]);
    status = syncing({ blocksDone: 20 });
    node.emit('sync', status);
    assert.equal(written.length, 2);
    assert.match(written[1]!, /20\/32 blocks/);
    status = syncing({ state: 'synced', ready: true, blocksDone: 32 });
    node.emit('sync', status);
    assert.equal(written[2], '\r\x1b[2K', 'the bar is erased, not left behind');
    assert.equal(node.listenerCount('sync'), 0);
  });

  test('is off when stderr is not a terminal, and when the node is ready at start', () => {
    const written: string[] = [];
    const pipe = { isTTY: false, write: (text: string) => written.push(text) };
    const node = Object.assign(new EventEmitter(), { syncStatus: () => syncing() });
    const stop = showSyncProgress(node as unknown as TrustMeshNode, pipe);
    node.emit('sync', syncing());
    stop();
    const ready = Object.assign(new EventEmitter(), {
      syncStatus: () => syncing({ state: 'synced', ready: true }),
    });
    showSyncProgress(ready as unknown as TrustMeshNode, { ...pipe, isTTY: true });
    assert.deepEqual(written, []);
    assert.equal(node.listenerCount('sync') + ready.listenerCount('sync'), 0);
  });
});
