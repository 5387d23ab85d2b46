// Handshake time over loopback: from opening a WebSocket to an authenticated peer (both nonces signed and
// checked), measured by a raw client against a running node, one connection at a time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrustMeshNode } from '../src/node/node.js';
import { testKeyPair, testNetwork } from '../test/support/fixtures.js';
import { RawPeer } from '../test/support/mesh.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { percentile, round, until } from './support.js';

export const handshakeBench: Bench = {
  name: 'handshake',
  title: 'Handshake time, raw client to node over loopback',
  async run({ full }: BenchOptions): Promise<BenchResult> {
    const count = full ? 1_000 : 200;
    const dataDir = mkdtempSync(join(tmpdir(), 'trust-mesh-bench-'));
    const network = testNetwork([100, 100]);
    const node = await TrustMeshNode.start({
      dataDir,
      network,
      key: testKeyPair(0),
      host: '127.0.0.1',
      port: 0,
      storageSync: 'normal',
    });
    const peerId = (await import('../test/support/fixtures.js')).testSigner(1).nodeId;
    try {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const started = process.hrtime.bigint();
        const peer = await RawPeer.connect(node.endpoint, testKeyPair(1), network.networkId);
        await peer.handshake();
        await until(() => node.isConnectedTo(peerId), 5_000, 'the node to establish the peer');
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
        peer.close();
        await until(() => !node.isConnectedTo(peerId), 5_000, 'the node to drop the peer');
      }
      return {
        name: 'handshake',
        title: this.title,
        setup: { handshakes: count },
        figures: { p50: round(percentile(times, 50), 3), p99: round(percentile(times, 99), 3) },
        units: { p50: 'ms', p99: 'ms' },
        notes: [
          'TCP connect + WebSocket upgrade + HANDSHAKE/HANDSHAKE_ACK both ways (two Ed25519 signs, two verifies)',
        ],
      };
    } finally {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
