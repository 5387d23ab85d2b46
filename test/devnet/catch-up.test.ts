// The devnet's catch-up scenario on 4 real nodes: a full node down while updates and a revocation commit comes
// back on its own data dir and key and reaches the others' state hash, fetching what it missed from its peers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CATCH_UP_DEVNET, type CatchUpReport, runCatchUp } from '../../src/devnet/catch-up.js';
import { Devnet } from '../../src/devnet/devnet.js';

describe('devnet catch-up scenario (4 real nodes on loopback)', { timeout: 60_000 }, () => {
  let devnet: Devnet;
  let report: CatchUpReport;

  before(async () => {
    devnet = await Devnet.start({ nodes: 4, ...CATCH_UP_DEVNET });
    report = await runCatchUp(devnet, { updates: 3, timeoutMs: 30_000 });
  });
  after(async () => {
    await devnet?.stop();
  });

  test('the restarted node converges to the same state hash as every other node', () => {
    assert.equal(report.restartedNode, 'node-1');
    assert.equal(report.converged, true, JSON.stringify(report, null, 2));
    assert.equal(report.stateHashesEqual, true);
    assert.equal(new Set(Object.values(report.stateHashes)).size, 1);
    assert.equal(Object.keys(report.stateHashes).length, 4);
    assert.equal(devnet.nodes[1]!.stateHash(), devnet.nodes[0]!.stateHash());
  });

  test('it is ready, reads the revocation it missed, and says how long it took', () => {
    assert.equal(report.sync.ready, true);
    assert.equal(report.revocationSeen, true);
    assert.equal(devnet.nodes[1]!.record('catch-up-1', 'principal-1')?.revoked, true);
    assert.ok(report.readyMs !== null && report.readyMs >= 0);
    assert.ok(report.convergeMs !== null && report.convergeMs >= report.readyMs);
    assert.deepEqual(report.missed, { updates: 3, revocations: 1, ledgerEntries: 4 });
  });

  test('what it missed was fetched from its peers, counted per peer', () => {
    const fetched = report.sync.peers.reduce((sum, peer) => sum + peer.entries, 0);
    assert.ok(fetched >= report.missed.ledgerEntries, `fetched ${fetched}`);
    assert.ok(report.sync.entriesApplied >= report.missed.ledgerEntries);
    for (const peer of report.sync.peers) {
      assert.match(peer.name, /^node-\d$/);
      assert.notEqual(peer.name, 'node-1');
    }
  });
});
