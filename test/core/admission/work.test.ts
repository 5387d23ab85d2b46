// Admission proof of work: finding and checking it, and announces of outsiders relayed only with it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { solveWork, workBits } from '../../../src/core/admission/work.js';
import type { PeerAnnounce } from '../../../src/core/messages/schemas.js';
import { signMessage, type UnsignedMessage } from '../../../src/core/signing.js';
import { isoTimestamp } from '../../../src/core/time.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { EngineMesh } from '../../support/engines.js';
import { testSigner } from '../../support/fixtures.js';

describe('admission proof of work', () => {
  it('a solved counter earns the bits asked for, bound to the node and the network', () => {
    const nodeId = testSigner(9).nodeId;
    const work = solveWork(sodiumCrypto, 'net-a', nodeId, 12);
    assert.ok(workBits(sodiumCrypto, 'net-a', nodeId, work) >= 12);
    assert.equal(solveWork(sodiumCrypto, 'net-a', nodeId, 12), work, 'deterministic');
    const other = testSigner(10).nodeId;
    assert.ok(
      [workBits(sodiumCrypto, 'net-b', nodeId, work), workBits(sodiumCrypto, 'net-a', other, work)].some(
        (b) => b < 12,
      ),
      'the same counter is (almost surely) worth less for another network or node',
    );
    assert.equal(workBits(sodiumCrypto, 'net-a', nodeId, ''), 0);
    assert.equal(
      workBits(sodiumCrypto, 'net-a', nodeId, '0'.repeat(17)),
      0,
      'over-long counters are worth nothing',
    );
  });

  it('an announce of a node outside the network file is dropped without its work, accepted with it', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10], params: { admissionWorkBits: 10 } });
    const [a, b] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    const outsider = testSigner(9);
    const announce = (work?: string) =>
      signMessage<PeerAnnounce>(outsider, mesh.network.networkId, {
        type: 'PEER_ANNOUNCE',
        version: '1.0',
        id: `announce-${work ?? 'none'}`,
        timestamp: isoTimestamp(mesh.clock.now() + (work === undefined ? 0 : 1)),
        nodeId: outsider.nodeId,
        publicKey: outsider.publicKey,
        endpoints: ['ws://127.0.0.9:9/mesh'],
        capabilities: ['LIGHT_NODE'],
        ...(work === undefined ? {} : { work }),
      } as UnsignedMessage<PeerAnnounce>);
    const without = b.engine.handle(a.engine.nodeId, announce());
    assert.equal(without.kind, 'ignore');
    assert.equal(without.kind === 'ignore' && without.code, 'TM_ERR_ADMISSION_WORK');
    assert.equal(b.engine.stats.forwarded, 0, 'not relayed');
    const work = solveWork(sodiumCrypto, mesh.network.networkId, outsider.nodeId, 10);
    assert.equal(b.engine.handle(a.engine.nodeId, announce(work)).kind, 'accept');
    assert.ok(b.engine.announces.get(outsider.nodeId));
  });
});
