// A PeerManager on its own (no node): the frame filter sees only established sessions' frames and drops the ones
// it claims unparsed; a duplicate dropped and a shutdown are logged as routine, without a null code.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Message } from '../../src/core/messages/schemas.js';
import { NodeRegistry } from '../../src/core/nodes/registry.js';
import type { Failure } from '../../src/core/outcome.js';
import { sodiumCrypto } from '../../src/crypto/sodium.js';
import { PeerManager, type PeerSession } from '../../src/net/peers/peer-manager.js';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/net/transport/connection.js';
import { DEFAULT_BACKOFF } from '../../src/net/transport/dialer.js';
import { listen, type MeshListener } from '../../src/net/transport/server.js';
import { CountingEntropy, testKeyPair, testNetwork, testSigner } from '../support/fixtures.js';
import { captureLogger, RawPeer, waitFor } from '../support/mesh.js';

const DEBUG = 20;
const INFO = 30;

describe('PeerManager', () => {
  const network = testNetwork([10, 10]);
  let manager: PeerManager | null = null;
  let listener: MeshListener | null = null;
  const raw: RawPeer[] = [];
  afterEach(async () => {
    for (const peer of raw.splice(0)) peer.close();
    manager?.stop();
    await listener?.close();
  });

  async function start(frameFilter?: (text: string, session: PeerSession) => boolean) {
    const { logger, records } = captureLogger();
    const messages: Message[] = [];
    const refused: Failure[] = [];
    const peers = new PeerManager(
      {
        network,
        capabilities: ['FULL_NODE'],
        endpoints: [],
        agent: 'test',
        maxInboundPeers: 8,
        limits: DEFAULT_CONNECTION_LIMITS,
        backoff: DEFAULT_BACKOFF,
      },
      {
        crypto: sodiumCrypto,
        clock: { now: () => Date.now() },
        entropy: new CountingEntropy(),
        random: () => 0.5,
        logger,
        signer: () => testSigner(0),
        registry: () => new NodeRegistry(network),
        onEstablished: () => {},
        onClosed: () => {},
        onMessage: (_session, message) => messages.push(message) > 0,
        onFrameRefused: (_session, failure) => refused.push(failure),
        ...(frameFilter === undefined ? {} : { frameFilter }),
      },
    );
    manager = peers;
    listener = await listen(
      { host: '127.0.0.1', port: 0, maxFrameBytes: network.params.maxFrameBytes },
      (socket, request) => peers.attach(socket, false, `${request.socket.remotePort}`),
    );
    const url = `ws://127.0.0.1:${listener.port}/mesh`;
    const connect = async (nonce?: string) => {
      const peer = await RawPeer.connect(url, testKeyPair(1), network.networkId);
      raw.push(peer);
      await peer.handshake(nonce === undefined ? {} : { nonce });
      return peer;
    };
    return { peers, records, messages, refused, connect };
  }

  const query = (id: string) => ({ type: 'QUERY', version: '1.0', id, agentId: 'a' });

  test('the frame filter drops the frames it claims before any parsing, and counts them', async () => {
    const filtered: string[] = [];
    const { peers, messages, refused, connect } = await start((text) => {
      filtered.push(text);
      return text.includes('drop-me');
    });
    const peer = await connect();
    const peerId = peer.signer.nodeId;
    await waitFor(() => peers.isConnected(peerId), 2_000, 'established');
    assert.deepEqual(filtered, [], 'handshake frames never reach the filter');
    const frames = [
      JSON.stringify(query('keep-1')),
      JSON.stringify(query('drop-me')),
      'drop-me: not JSON, so parsing it would have refused the peer',
      JSON.stringify(query('keep-2')),
    ];
    for (const frame of frames) peer.sendText(frame);
    await waitFor(() => messages.length === 2, 2_000, 'the kept messages');
    assert.deepEqual(
      messages.map((m) => (m.type === 'QUERY' ? m.id : m.type)),
      ['keep-1', 'keep-2'],
    );
    assert.deepEqual(filtered, frames, 'each frame seen once, as sent');
    assert.deepEqual(refused, []);
    assert.ok(peers.isConnected(peerId), 'a filtered frame is not held against the peer');
    assert.equal(peers.session(peerId)?.connection.stats.duplicateFrames, 2);
  });

  test('a duplicate connection dropped and a shutdown both log "peer disconnected" as routine', async () => {
    const { peers, records, connect } = await start();
    // Both connections come from the same dialler, so the one whose nonce is larger stays: the second.
    const first = await connect(Buffer.alloc(32, 0x00).toString('base64'));
    await waitFor(() => peers.isConnected(first.signer.nodeId), 2_000, 'first established');
    const second = await connect(Buffer.alloc(32, 0xcc).toString('base64'));
    await first.waitForClose();
    assert.equal(first.closeReason, 'TM_ERR_DUPLICATE_CONNECTION');
    assert.ok(peers.isConnected(second.signer.nodeId));
    const disconnects = () => records.filter((r) => r.msg === 'peer disconnected');
    const [duplicate] = disconnects();
    assert.equal(duplicate?.code, 'TM_ERR_DUPLICATE_CONNECTION');
    assert.equal(duplicate?.level, DEBUG);

    peers.stop();
    const [, shutdown] = disconnects();
    assert.equal(shutdown?.level, INFO);
    assert.equal(Object.hasOwn(shutdown!, 'code'), false, 'no "code": null on a plain shutdown');
  });
});
