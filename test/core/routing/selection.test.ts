// Choosing outbound peers: spread across buckets, bounded per subnet, at most half from a single peer's word,
// counting what is connected already.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketIndex } from '../../../src/core/routing/ids.js';
import {
  chooseDials,
  type OutboundPeer,
  type SelectionOptions,
} from '../../../src/core/routing/selection.js';

const SELF = '0'.repeat(64);
const OPTIONS: SelectionOptions = { target: 8, maxPerSubnet: 2, exemptLoopback: false };

/** A peer in bucket `bucket` (numbered `n`) at a distinct /24 unless `subnet` says otherwise. */
function candidate(bucket: number, n: number, vouched = true, subnet = `10.${bucket}.${n}`): OutboundPeer {
  const bits = `${'0'.repeat(bucket)}1${n.toString(2).padStart(8, '0')}`.padEnd(256, '0');
  let hex = '';
  for (let i = 0; i < 256; i += 4) hex += Number.parseInt(bits.slice(i, i + 4), 2).toString(16);
  return { nodeId: hex, address: `ws://${subnet}.1:1/mesh`, vouched };
}

describe('chooseDials', () => {
  it('fills the free slots across buckets before taking two from one', () => {
    const pool = [0, 0, 0, 0, 1, 1, 2, 3].map((bucket, n) => candidate(bucket, n));
    const chosen = chooseDials(SELF, [], pool, { ...OPTIONS, target: 4 });
    assert.deepEqual(chosen.map((peer) => bucketIndex(SELF, peer.nodeId)).sort(), [0, 1, 2, 3]);
  });

  it('never takes more than maxPerSubnet from one subnet, unless loopback is exempt', () => {
    const pool = Array.from({ length: 50 }, (_, n) => candidate(n % 5, n, true, '10.9.9'));
    assert.equal(chooseDials(SELF, [], pool, OPTIONS).length, 2);
    const loop = Array.from({ length: 50 }, (_, n) => candidate(n % 5, n, true, '127.0.0'));
    assert.equal(chooseDials(SELF, [], loop, OPTIONS).length, 2);
    assert.equal(chooseDials(SELF, [], loop, { ...OPTIONS, exemptLoopback: true }).length, 8);
  });

  it('fills at most half the slots with nodes only one peer told us about', () => {
    const unvouched = Array.from({ length: 20 }, (_, n) => candidate(n % 6, n, false));
    assert.equal(chooseDials(SELF, [], unvouched, OPTIONS).length, 4);
    const mixed = [...unvouched, candidate(7, 1), candidate(8, 2)];
    const chosen = chooseDials(SELF, [], mixed, OPTIONS);
    assert.equal(chosen.length, 6);
    assert.equal(chosen.filter((peer) => !peer.vouched).length, 4);
  });

  it('counts what is already connected and skips it', () => {
    const current = [candidate(0, 1), candidate(0, 2, true, '10.5.5')];
    const pool = [
      candidate(0, 1),
      candidate(0, 3, true, '10.5.5'),
      candidate(0, 4, true, '10.5.5'),
      candidate(1, 5),
    ];
    const chosen = chooseDials(SELF, current, pool, { ...OPTIONS, target: 5 });
    assert.deepEqual(
      chosen.map((peer) => peer.nodeId),
      [candidate(1, 5).nodeId, candidate(0, 3, true, '10.5.5').nodeId],
    );
  });
});
