// The simulated wire: latency, serialisation delay by frame size with queueing, the critical lane overtaking,
// FIFO per lane, loss, partitions, and announces dropped when discovery traffic is not simulated.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '../../src/core/messages/schemas.js';
import { Wire, type WireOptions } from '../../src/sim/network.js';

const base: WireOptions = {
  nodes: 3,
  latency: { kind: 'fixed', ms: 10 },
  loss: 0,
  bandwidthBytesPerSecond: undefined,
  reorder: false,
  gossipAnnounces: true,
  partitions: [],
};

/** A frame of exactly `bytes` bytes of JSON (the wire only looks at its type and size). */
function frame(type: string, bytes: number): Message {
  const empty = JSON.stringify({ type, version: '1.0', id: 'x', pad: '' }).length;
  return { type, version: '1.0', id: 'x', pad: 'p'.repeat(bytes - empty) } as unknown as Message;
}

describe('simulated wire', () => {
  it('latency alone, then bandwidth: frames serialise one after another on a link', () => {
    const plain = new Wire(base, 1);
    assert.deepEqual(plain.transmit(0, 1, frame('COMMIT', 1000), 100), {
      kind: 'scheduled',
      arrival: 110,
      bytes: 1000,
    });
    const slow = new Wire({ ...base, bandwidthBytesPerSecond: 100_000 }, 1);
    const big = frame('COMMIT', 1000);
    assert.equal(slow.sizeOf(big), 1000);
    // 1000 bytes at 100 kB/s = 10 ms on the wire, then 10 ms latency; the next frame waits for the first.
    assert.equal((slow.transmit(0, 1, big, 0) as { arrival: number }).arrival, 20);
    assert.equal((slow.transmit(0, 1, big, 0) as { arrival: number }).arrival, 30);
    // Another link is not queued behind it.
    assert.equal((slow.transmit(0, 2, big, 0) as { arrival: number }).arrival, 20);
    // A critical frame jumps the normal queue.
    slow.transmit(1, 2, big, 0);
    slow.transmit(1, 2, big, 0);
    assert.equal((slow.transmit(1, 2, frame('REVOCATION', 1000), 0) as { arrival: number }).arrival, 20);
    assert.equal(slow.sentBy.frames[1], 3);
    assert.equal(slow.sentBy.bytes[1], 3000);
  });

  it('FIFO per link unless reordering is on', () => {
    const options = { ...base, latency: { kind: 'uniform', minMs: 0, maxMs: 100 } } as const;
    const fifo = new Wire(options, 4);
    const loose = new Wire({ ...options, reorder: true }, 4);
    let last = 0;
    let overtaken = false;
    let lastLoose = 0;
    for (let i = 0; i < 200; i++) {
      const arrival = (fifo.transmit(0, 1, frame('TRUST_UPDATE', 100), i) as { arrival: number }).arrival;
      assert.ok(arrival >= last);
      last = arrival;
      const looseArrival = (loose.transmit(0, 1, frame('TRUST_UPDATE', 100), i) as { arrival: number })
        .arrival;
      if (looseArrival < lastLoose) overtaken = true;
      lastLoose = looseArrival;
    }
    assert.ok(overtaken, 'with reorder on, some frame overtakes an earlier one');
  });

  it('loss, partitions and dropped announces', () => {
    const lossy = new Wire({ ...base, loss: 1 }, 1);
    assert.equal(lossy.transmit(0, 1, frame('VOTE', 100), 0).kind, 'lost');
    assert.equal(lossy.counters.framesLost, 1);
    const cut = new Wire({ ...base, partitions: [{ atMs: 0, healMs: 10, side: new Set([0]) }] }, 1);
    assert.equal(cut.transmit(0, 1, frame('VOTE', 100), 0).kind, 'scheduled', 'not in force until activated');
    cut.activePartitions.add(0);
    assert.equal(cut.separated(0, 1), true);
    assert.equal(cut.separated(1, 2), false);
    assert.equal(cut.separatedSince(1, 0), 0);
    assert.equal(cut.transmit(0, 1, frame('VOTE', 100), 0).kind, 'cut');
    assert.equal(cut.transmit(1, 2, frame('VOTE', 100), 0).kind, 'scheduled');
    const quiet = new Wire({ ...base, gossipAnnounces: false }, 1);
    assert.equal(quiet.transmit(0, 1, frame('PEER_ANNOUNCE', 100), 0).kind, 'announce-dropped');
    assert.equal(quiet.counters.framesSent, 0);
  });
});
