import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { internals } from '../../src/node/internals.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { EntryMaker } from '../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../support/fixtures.js';
import { RawPeer, TestMesh, waitFor } from '../support/mesh.js';

// Keys 0–4 are members of the network file; 7 and up are not.
const STAKES = [10, 10, 10, 10, 10];

describe('inbound admission favours members', () => {
  let mesh: TestMesh;
  let node: TrustMeshNode;
  afterEach(() => mesh.cleanup());

  async function handshaken(index: number): Promise<RawPeer> {
    const peer = await RawPeer.connect(node.endpoint, testKeyPair(index), mesh.network.networkId, mesh);
    await peer.handshake();
    return peer;
  }

  test('non-members fill only their share of the slots; a member still gets in, evicting one', async () => {
    mesh = new TestMesh(testNetwork(STAKES));
    node = await mesh.start(testKeyPair(0), { maxInboundPeers: 4 });
    const outsiders = [await handshaken(7), await handshaken(8)];
    for (const peer of outsiders)
      await waitFor(() => node.isConnectedTo(peer.signer.nodeId), 2_000, 'a non-member within its share');
    const third = await handshaken(9);
    await third.waitForClose();
    assert.equal(third.closeReason, 'TM_ERR_TOO_MANY_PEERS', 'the non-member share (half the slots) is full');
    const members = [await handshaken(1), await handshaken(2)];
    for (const peer of members)
      await waitFor(() => node.isConnectedTo(peer.signer.nodeId), 2_000, 'a member');
    // Every slot is taken now; one more member evicts a non-member instead of being refused.
    const late = await handshaken(3);
    await waitFor(() => node.isConnectedTo(late.signer.nodeId), 2_000, 'the late member admitted');
    await waitFor(() => outsiders.some((peer) => peer.closed), 2_000, 'a non-member evicted');
    const evicted = outsiders.find((peer) => peer.closed)!;
    assert.equal(evicted.closeReason, 'TM_ERR_TOO_MANY_PEERS');
    assert.equal(node.connectedPeers().length, 4);
  });

  test('with loopback not exempt, non-members from one /24 are bounded; a member from it still gets in', async () => {
    mesh = new TestMesh(testNetwork(STAKES));
    node = await mesh.start(testKeyPair(0), { admission: { exemptLoopback: false, maxPerSubnet: 2 } });
    const outsiders = [await handshaken(7), await handshaken(8)];
    for (const peer of outsiders)
      await waitFor(() => node.isConnectedTo(peer.signer.nodeId), 2_000, 'a non-member within the bound');
    // 16 non-member slots are free: it is the bound of 2 on 127.0.0.0/24 that refuses the third.
    const third = await handshaken(9);
    await third.waitForClose();
    assert.equal(third.closeReason, 'TM_ERR_TOO_MANY_PEERS');
    const member = await handshaken(1);
    await waitFor(() => node.isConnectedTo(member.signer.nodeId), 2_000, 'a member from the same /24');
    assert.equal(outsiders.filter((peer) => peer.closed).length, 0);
  });

  test('a member refused for its score is refused before admission: it evicts no non-member', async () => {
    mesh = new TestMesh(testNetwork(STAKES));
    node = await mesh.start(testKeyPair(0), { maxInboundPeers: 2 });
    const maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
    const forgerId = maker.signer(2).nodeId;
    // Three tampered updates from member 2, each closing its link, bring its score below the threshold.
    for (let i = 0; i < 3; i++) {
      const forger = await handshaken(2);
      await waitFor(() => node.isConnectedTo(forgerId), 2_000, 'the forger in');
      const update = maker.update({ agentId: `forged-${i}`, principalId: 'p' }, { origin: 2 });
      forger.sendJson({ ...update, payload: { ...update.payload, trustScore: 999 } });
      await forger.waitForClose();
    }
    assert.notEqual(internals(node).judge.scoreWhenDropped(forgerId), null, 'member 2 is refused for now');
    // Every slot taken, one by a non-member: a member admitted now would evict it.
    const [outsider, member] = [await handshaken(7), await handshaken(1)];
    for (const peer of [outsider, member])
      await waitFor(() => node.isConnectedTo(peer.signer.nodeId), 2_000, 'a slot taken');
    const refused = await RawPeer.connect(node.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await refused.handshake().catch(() => undefined);
    await refused.waitForClose();
    assert.equal(refused.closeReason, 'TM_ERR_PEER_SCORE');
    assert.equal(node.isConnectedTo(outsider.signer.nodeId), true, 'the non-member keeps its slot');
    assert.equal(outsider.closed, false);
  });

  test('one address holds at most maxPendingPerIp sockets in the handshake pool; its oldest makes room', async () => {
    mesh = new TestMesh(testNetwork(STAKES));
    node = await mesh.start(testKeyPair(0), { admission: { exemptLoopback: false, maxPendingPerIp: 2 } });
    const connect = (index: number) =>
      RawPeer.connect(node.endpoint, testKeyPair(index), mesh.network.networkId, mesh);
    const waiting = [await connect(1), await connect(2)];
    const third = await connect(3);
    await waiting[0]!.waitForClose();
    assert.equal(
      waiting[0]!.closeReason,
      'TM_ERR_TOO_MANY_PEERS',
      'the oldest waiter from 127.0.0.1 dropped',
    );
    // The other two were within the bound: both complete their handshakes.
    for (const peer of [waiting[1]!, third]) {
      await peer.handshake();
      await waitFor(
        () => node.isConnectedTo(peer.signer.nodeId),
        2_000,
        'a waiter within the bound admitted',
      );
    }
    assert.equal(waiting[1]!.closed || third.closed, false);
  });

  test('30 handshaken non-members hold every non-member slot; a member connects at once', async () => {
    mesh = new TestMesh(testNetwork(STAKES));
    node = await mesh.start(testKeyPair(0));
    const outsiders = await Promise.all(Array.from({ length: 30 }, (_, i) => handshaken(10 + i)));
    await waitFor(
      () => outsiders.filter((peer) => !peer.closed && node.isConnectedTo(peer.signer.nodeId)).length === 16,
      5_000,
      'half of the 32 slots held by non-members',
    );
    const started = performance.now();
    const member = await handshaken(1);
    await waitFor(() => node.isConnectedTo(member.signer.nodeId), 2_000, 'the member');
    assert.ok(performance.now() - started < 2_000);
    assert.equal(outsiders.filter((peer) => peer.closeReason === 'TM_ERR_TOO_MANY_PEERS').length, 14);
  });

  test('2,000 sockets that never handshake do not keep honest handshakes out', async () => {
    mesh = new TestMesh(testNetwork(STAKES));
    node = await mesh.start(testKeyPair(0));
    const silent: WebSocket[] = [];
    const opening: Array<Promise<void>> = [];
    for (let i = 0; i < 2_000; i++) {
      const socket = new WebSocket(node.endpoint);
      mesh.track(socket);
      socket.on('error', () => {});
      silent.push(socket);
      opening.push(
        new Promise((resolve) => socket.once('close', () => resolve()).once('open', () => resolve())),
      );
    }
    // Honest members handshake while the silent sockets keep arriving.
    const honest = await Promise.all([1, 2, 3, 4].map((index) => handshaken(index)));
    for (const peer of honest) {
      // Not a latency bound: this one process also opens the 2,000 attacking sockets, so its event loop is busy
      // for seconds. Before member-first admission these handshakes were refused outright (TM_ERR_TOO_MANY_PEERS).
      await waitFor(
        () => node.isConnectedTo(peer.signer.nodeId) || peer.closed,
        30_000,
        'an honest handshake during the hold',
      );
      assert.equal(peer.closed, false);
    }
    await Promise.all(opening);
    const pending = internals(node).peers.openSockets().length - node.connectedPeers().length;
    assert.ok(pending <= 64, `the handshake pool stays bounded (${pending} waiting)`);
    for (const socket of silent) socket.terminate();
  });

  test('a non-member without a valid proof of work is refused; with it, admitted; members need none', async () => {
    mesh = new TestMesh(testNetwork(STAKES, {}, { admissionWorkBits: 12 }));
    node = await mesh.start(testKeyPair(0));
    const lazy = await RawPeer.connect(node.endpoint, testKeyPair(7), mesh.network.networkId, mesh);
    lazy.workBits = 0;
    await lazy.handshake().catch(() => undefined);
    await lazy.waitForClose();
    assert.equal(lazy.closeReason, 'TM_ERR_ADMISSION_WORK');
    const forged = await RawPeer.connect(node.endpoint, testKeyPair(8), mesh.network.networkId, mesh);
    await forged.handshake({ work: 'ffffffff' }).catch(() => undefined);
    await forged.waitForClose();
    assert.equal(forged.closeReason, 'TM_ERR_ADMISSION_WORK', 'a counter that does not hash low enough');
    const diligent = await RawPeer.connect(node.endpoint, testKeyPair(9), mesh.network.networkId, mesh);
    diligent.workBits = 12;
    await diligent.handshake();
    await waitFor(() => node.isConnectedTo(diligent.signer.nodeId), 2_000, 'the non-member with its proof');
    const member = await RawPeer.connect(node.endpoint, testKeyPair(1), mesh.network.networkId, mesh);
    member.workBits = 0;
    await member.handshake();
    await waitFor(() => node.isConnectedTo(member.signer.nodeId), 2_000, 'a member without any proof');
    // A real node outside the network file computes its own proof and is admitted.
    const outsider = await mesh.start(testKeyPair(20), { type: 'light' });
    await mesh.link(outsider, node);
  });
});
