// Kademlia id arithmetic: XOR distance order, bucket index by shared prefix, ids built inside a bucket's range.
// Pure functions, so plain inputs and exact answers; also the IPv4 /24 and IPv6 /48 subnet keys and loopback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bucketIndex,
  closestFirst,
  compareDistance,
  distance,
  idInBucket,
} from '../../../src/core/routing/ids.js';
import { hostOf, subnetOf } from '../../../src/core/routing/subnet.js';

const id = (head: string) => head.padEnd(64, '0');

describe('routing ids', () => {
  it('orders by XOR distance', () => {
    const target = id('80');
    assert.equal(distance(target, target), '0'.repeat(64));
    assert.equal(distance(id('ff'), id('0f')), id('f0'));
    assert.ok(compareDistance(target, id('81'), id('01')) < 0);
    assert.ok(compareDistance(target, id('c0'), id('81')) > 0);
    assert.deepEqual(
      closestFirst(target, [id('00'), id('ff'), id('80'), id('88')], (x) => x),
      [id('80'), id('88'), id('ff'), id('00')],
    );
  });

  it('puts an id in the bucket of its shared prefix length', () => {
    const self = id('00');
    assert.equal(bucketIndex(self, id('80')), 0);
    assert.equal(bucketIndex(self, id('40')), 1);
    assert.equal(bucketIndex(self, id('01')), 7);
    assert.equal(bucketIndex(self, `${'0'.repeat(63)}1`), 255);
    assert.equal(bucketIndex(self, self), -1);
  });

  it('builds ids inside the asked bucket whatever the random bytes', () => {
    const self = 'a5'.repeat(32);
    for (const fill of [0x00, 0xff, 0x5a]) {
      const random = new Uint8Array(32).fill(fill);
      for (const index of [0, 1, 7, 8, 100, 255])
        assert.equal(bucketIndex(self, idInBucket(self, index, random)), index);
    }
    assert.throws(() => idInBucket(self, 256, new Uint8Array(32)), RangeError);
  });
});

describe('subnets', () => {
  it('groups IPv4 by /24 and IPv6 by /48, from URLs and socket addresses', () => {
    assert.equal(hostOf('ws://10.1.2.3:8080/mesh'), '10.1.2.3');
    assert.equal(hostOf('[2001:db8::1]:443'), '2001:db8::1');
    assert.equal(hostOf('10.1.2.3:99'), '10.1.2.3');
    assert.equal(subnetOf('ws://10.1.2.3:8080/mesh')?.key, subnetOf('10.1.2.200:1')?.key);
    assert.notEqual(subnetOf('10.1.2.3:1')?.key, subnetOf('10.1.3.3:1')?.key);
    assert.equal(subnetOf('wss://[2001:db8:1:2::5]:1/mesh')?.key, subnetOf('2001:db8:1:ffff::9')?.key);
    assert.notEqual(subnetOf('[2001:db8:1::1]:1')?.key, subnetOf('[2001:db8:2::1]:1')?.key);
    assert.equal(subnetOf('::ffff:10.1.2.3')?.key, subnetOf('10.1.2.9:4')?.key);
  });

  it('knows loopback', () => {
    assert.equal(subnetOf('127.0.0.5:1')?.loopback, true);
    assert.equal(subnetOf('[::1]:1')?.loopback, true);
    assert.equal(subnetOf('::ffff:127.0.0.1')?.loopback, true);
    assert.equal(subnetOf('10.0.0.1:1')?.loopback, false);
    assert.equal(subnetOf('ws:///mesh'), null);
  });
});
