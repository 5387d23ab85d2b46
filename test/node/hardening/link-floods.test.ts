// Floods that never reach the engine's per-origin budgets — PINGs (answered in place), unknown types (ignored by
// the decoder) and byte-identical duplicates (dropped unparsed) — spend the connection's frame budget too.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { isoTimestamp } from '../../../src/core/time.js';
import { DEFAULT_LINK_BUDGET } from '../../../src/net/link-budget.js';
import { EntryMaker } from '../../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../../support/mesh.js';

const FLOOD = 20_000;

describe('floods below the engine are bounded per connection', () => {
  let mesh: TestMesh;
  afterEach(() => mesh.cleanup());

  test('PINGs, unknown types and duplicates at full speed: each flooder dropped, the honest peer unaffected', async () => {
    assert.ok(FLOOD > 2 * DEFAULT_LINK_BUDGET.frames.burst, 'the flood is well past the frame burst');
    mesh = new TestMesh(testNetwork([10, 10, 1, 1, 1]));
    const node = await mesh.start(testKeyPair(0));
    const honest = await mesh.start(testKeyPair(1));
    await mesh.link(honest, node);
    const { networkId } = mesh.network;
    const maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
    const duplicate = JSON.stringify(maker.update({ agentId: 'once', principalId: 'p' }, { origin: 4 }));
    const floods: Array<[string, number, (i: number) => string]> = [
      ['PING', 2, () => JSON.stringify({ type: 'PING', timestamp: isoTimestamp(Date.now()) })],
      ['unknown type', 3, (i) => JSON.stringify({ type: 'NOT_A_MESSAGE', version: '1.0', id: `x-${i}` })],
      ['duplicate', 4, () => duplicate],
    ];
    for (const [kind, key, frame] of floods) {
      const flooder = await RawPeer.connect(node.endpoint, testKeyPair(key), networkId, mesh);
      await flooder.handshake();
      await waitFor(() => node.isConnectedTo(flooder.signer.nodeId), 2_000, `${kind} flooder in`);
      for (let i = 0; i < FLOOD && !flooder.closed; i++) flooder.sendText(frame(i));
      await flooder.waitForClose(10_000);
      assert.equal(flooder.closeReason, 'TM_ERR_PEER_SCORE', `the ${kind} flooder is dropped`);
      if (kind === 'PING') {
        const pongs = flooder.received.filter((m) => m.type === 'PONG').length;
        // The link budget's burst, its refill while the flood lasted, and no more.
        assert.ok(pongs <= DEFAULT_LINK_BUDGET.link.burst + 100, `${pongs} PINGs answered`);
      }
    }
    assert.equal(node.isConnectedTo(honest.nodeId), true, 'the honest peer stays');
    const record = honest.submit({
      agentId: 'honest',
      principalId: 'p',
      trustScore: 700,
      event: 'SCORE_UPDATE',
    });
    assert.equal((await honest.whenSettled(record.id)).state, 'committed');
  });
});
