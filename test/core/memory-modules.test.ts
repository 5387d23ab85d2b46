// The small in-memory modules: MemoryOutput's recording and draining, ManualClock, and SeededEntropy.
// SeededEntropy must be reproducible per seed and still give ids that live nodes would accept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MANUAL_CLOCK_START, ManualClock } from '../../src/core/memory/manual-clock.js';
import { MemoryOutput } from '../../src/core/memory/memory-output.js';
import { SeededEntropy, SeededRandom } from '../../src/core/memory/seeded-entropy.js';
import { PROTOCOL_VERSION } from '../../src/core/messages/fields.js';
import type { Message } from '../../src/core/messages/schemas.js';

const ping = (id: string): Message => ({ type: 'QUERY_RESULT', version: PROTOCOL_VERSION, id, entries: [] });

describe('MemoryOutput', () => {
  it('sends only to connected peers and copies a broadcast to every connected peer but those left out', () => {
    const output = new MemoryOutput(['a', 'b']);
    assert.equal(output.send('a', ping('1')), true);
    assert.equal(output.send('z', ping('2')), false);
    output.connect('c');
    output.broadcast(ping('3'), new Set(['b']));
    output.broadcast(ping('4'));
    assert.deepEqual(output.sent, [{ to: 'a', message: ping('1') }]);
    assert.deepEqual(output.broadcasts, [
      { message: ping('3'), except: new Set(['b']) },
      { message: ping('4'), except: undefined },
    ]);
    assert.equal(output.queued, 6);
    assert.deepEqual(output.queuedFor('a'), [ping('1'), ping('3'), ping('4')]);
    assert.deepEqual(output.drainFor('b'), [ping('4')]);
    assert.deepEqual(output.drainFor('b'), []);
    assert.deepEqual(
      output.drain().map(({ to, message }) => [to, (message as { id: string }).id]),
      [
        ['a', '1'],
        ['a', '3'],
        ['c', '3'],
        ['a', '4'],
        ['c', '4'],
      ],
    );
    assert.equal(output.queued, 0);
  });

  it('records disconnects and forgets the peer; connections can be set, dropped and listed', () => {
    const output = new MemoryOutput(['a', 'b']);
    output.disconnect('a', 'TM_ERR_BLACKLISTED');
    assert.deepEqual(output.disconnects, [{ peerId: 'a', code: 'TM_ERR_BLACKLISTED' }]);
    assert.equal(output.isConnected('a'), false);
    output.drop('b');
    assert.deepEqual(output.connectedIds(), []);
    assert.equal(output.disconnects.length, 1, 'a drop is not a disconnect the engine asked for');
    output.setConnected(['x', 'y']);
    assert.deepEqual(output.connectedIds(), ['x', 'y']);
    output.send('x', ping('1'));
    output.clear();
    assert.deepEqual([output.sent, output.broadcasts, output.disconnects, output.queued], [[], [], [], 0]);
    assert.equal(output.isConnected('x'), true, 'clear keeps connections');
  });
});

describe('ManualClock', () => {
  it('moves only when told', () => {
    const clock = new ManualClock();
    assert.equal(clock.now(), MANUAL_CLOCK_START);
    clock.advance(1_500);
    assert.equal(clock.now(), MANUAL_CLOCK_START + 1_500);
    clock.set(42);
    assert.equal(clock.now(), 42);
    assert.equal(new ManualClock(7).now(), 7);
  });
});

describe('SeededEntropy', () => {
  it('gives the same ids and nonces for the same seed, and different ones for another seed', () => {
    const run = (seed: number) => {
      const entropy = new SeededEntropy(seed);
      return Array.from({ length: 20 }, (_, i) =>
        i % 2 ? entropy.messageId() : Buffer.from(entropy.nonce()).toString('hex'),
      );
    };
    assert.deepEqual(run(1), run(1));
    assert.notDeepEqual(run(1), run(2));
  });

  it('makes ids shaped like version 4 UUIDs, unique over many draws, and 32-byte nonces', () => {
    const entropy = new SeededEntropy(12345);
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = entropy.messageId();
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(id);
    }
    assert.equal(ids.size, 20_000);
    const nonce = entropy.nonce();
    assert.ok(nonce instanceof Uint8Array);
    assert.equal(nonce.length, 32);
  });

  it('draws evenly enough to stand in for randomness (each byte value about equally often)', () => {
    const random = new SeededRandom(99);
    const counts = new Array<number>(256).fill(0);
    const bytes = random.bytes(256 * 400);
    for (const byte of bytes) counts[byte]!++;
    assert.ok(
      Math.min(...counts) > 300 && Math.max(...counts) < 500,
      `byte counts ${Math.min(...counts)}..${Math.max(...counts)}`,
    );
    for (let i = 0; i < 1_000; i++) {
      const value = random.next();
      assert.ok(value >= 0 && value < 1);
    }
  });
});
