// Real nodes for tests: each with its own temp data dir and port 0 on 127.0.0.1, all stopped and deleted after.
// Also a raw peer that speaks the handshake itself, so tests can send frames no honest node would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Duplex, Writable } from 'node:stream';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { solveWork } from '../../src/core/admission/work.js';
import type { KeyPair } from '../../src/core/crypto.js';
import { createAck, createHandshake, verifyAck } from '../../src/core/handshake.js';
import type { Handshake, Message } from '../../src/core/messages/schemas.js';
import type { Network } from '../../src/core/network.js';
import type { Signer } from '../../src/core/signing.js';
import { createSigner, randomBytes, sodiumCrypto } from '../../src/crypto/sodium.js';
import type { Logger } from '../../src/log.js';
import { type NodeModules, type NodeOptions, TrustMeshNode } from '../../src/node/node.js';
import { TEST_WORK_BITS } from './fixtures.js';

/** Owns the temp dirs and nodes of one test; `cleanup()` in an after/afterEach hook removes everything. */
export class TestMesh {
  readonly nodes: TrustMeshNode[] = [];
  private readonly dirs: string[] = [];
  private readonly sockets: WebSocket[] = [];

  constructor(readonly network: Network) {}

  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'trust-mesh-test-'));
    this.dirs.push(dir);
    return dir;
  }

  async start(
    key: KeyPair,
    options: Partial<NodeOptions> = {},
    modules: NodeModules = {},
  ): Promise<TrustMeshNode> {
    const node = await TrustMeshNode.start(
      {
        dataDir: options.dataDir ?? this.tempDir(),
        network: this.network,
        key,
        host: '127.0.0.1',
        port: 0,
        storageSync: 'normal',
        // Tests wire their own topology; discovery would add links behind their back. Tests of it pass its options.
        discovery: { enabled: false },
        // A node alone is ready at once (tests submit right after start); sync tests set their own grace.
        ...options,
        sync: { aloneGraceMs: 0, ...options.sync },
      },
      modules,
    );
    this.nodes.push(node);
    return node;
  }

  /** Connects `from` to `to` and waits until both ends see the link. */
  async link(from: TrustMeshNode, to: TrustMeshNode, timeoutMs = 5_000): Promise<void> {
    from.addPeer(to.endpoint);
    await waitFor(() => from.isConnectedTo(to.nodeId) && to.isConnectedTo(from.nodeId), timeoutMs, 'link');
  }

  track(socket: WebSocket): void {
    this.sockets.push(socket);
  }

  async cleanup(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await Promise.all(this.nodes.map((node) => node.stop()));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** One parsed pino line. */
export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly code?: string;
  readonly [field: string]: unknown;
}

/** A real pino logger (debug and up) whose JSON lines land in `records`, for asserting what a node logged. */
export function captureLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), records };
}

export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A hand-driven peer: opens a socket to a node, optionally completes the handshake as `signer`, then sends
 * whatever the test wants and records what comes back.
 */
export class RawPeer {
  readonly received: Message[] = [];
  /** Every text frame exactly as it arrived, for byte-for-byte comparisons. */
  readonly texts: string[] = [];
  closeCode: number | null = null;
  closeReason = '';
  private nodeHello: Handshake | null = null;
  readonly signer: Signer;

  private constructor(
    readonly socket: WebSocket,
    key: KeyPair,
    readonly networkId: string,
  ) {
    this.signer = createSigner(key);
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      this.texts.push(text);
      try {
        this.received.push(JSON.parse(text) as Message);
      } catch {
        // Not JSON: nothing an honest node sends; tests look at `received` only.
      }
    });
    socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
  }

  static async connect(url: string, key: KeyPair, networkId: string, mesh?: TestMesh): Promise<RawPeer> {
    const socket = new WebSocket(url);
    mesh?.track(socket);
    // Listen before 'open': the node's HANDSHAKE can arrive in the same read as the upgrade response.
    const peer = new RawPeer(socket, key, networkId);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return peer;
  }

  /** The HANDSHAKE the node sends first on every connection. */
  async nodeHandshake(): Promise<Handshake> {
    await waitFor(() => this.received.some((m) => m.type === 'HANDSHAKE'), 5_000, 'node HANDSHAKE');
    this.nodeHello ??= this.received.find((m) => m.type === 'HANDSHAKE') as Handshake;
    return this.nodeHello;
  }

  /** Admission proof-of-work bits this peer shows (enough for test networks, see TEST_WORK_BITS). */
  workBits = TEST_WORK_BITS;

  /** Sends this peer's own HANDSHAKE (honest unless `overrides` say otherwise) and returns it. */
  hello(overrides: Partial<Handshake> = {}): Handshake {
    const work =
      this.workBits > 0
        ? solveWork(sodiumCrypto, this.networkId, this.signer.nodeId, this.workBits)
        : undefined;
    const own = {
      ...createHandshake(this.signer, this.networkId, randomBytes(32), ['FULL_NODE'], [], 'raw-peer', work),
      ...overrides,
    };
    this.sendJson(own);
    return own;
  }

  /** Completes the challenge-response handshake honestly (the node's own HANDSHAKE arrives first). */
  async handshake(overrides: Partial<Handshake> = {}): Promise<Handshake> {
    const nodeHello = await this.nodeHandshake();
    const own = this.hello(overrides);
    this.sendJson(createAck(this.signer, this.networkId, nodeHello));
    await waitFor(
      () => this.received.some((m) => m.type === 'HANDSHAKE_ACK') || this.closed,
      5_000,
      'node HANDSHAKE_ACK',
    );
    const ack = this.received.find((m) => m.type === 'HANDSHAKE_ACK');
    if (
      ack &&
      ack.type === 'HANDSHAKE_ACK' &&
      !verifyAck(sodiumCrypto, this.networkId, ack, nodeHello, own)
    ) {
      throw new Error('node ACK does not verify');
    }
    return nodeHello;
  }

  get closed(): boolean {
    return this.closeCode !== null;
  }

  sendJson(value: unknown): void {
    this.socket.send(JSON.stringify(value));
  }

  sendText(text: string): void {
    this.socket.send(text);
  }

  /**
   * Writes one client frame by hand (masked, as RFC 6455 requires of clients) straight to the TCP socket,
   * bypassing ws's own checks: how a test sends invalid UTF-8 in a text frame, for example.
   */
  sendFrame(opcode: number, payload: Buffer): void {
    const length = payload.length;
    if (length > 0xffff) throw new Error('sendFrame: payload too long for this helper');
    const header =
      length < 126
        ? Buffer.from([0x80 | opcode, 0x80 | length])
        : Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff]);
    const mask = Buffer.from(randomBytes(4));
    const masked = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!));
    this.tcp.write(Buffer.concat([header, mask, masked]));
  }

  /** Writes bytes straight to the TCP socket under the WebSocket (garbage, half frames). */
  sendBytes(bytes: Buffer): void {
    this.tcp.write(bytes);
  }

  /** The TCP (or TLS) socket under the WebSocket; pausing it stops this peer reading anything. */
  get tcp(): Duplex {
    return (this.socket as unknown as { _socket: Duplex })._socket;
  }

  async waitForClose(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closed, timeoutMs, 'the node to close the connection');
    return { code: this.closeCode!, reason: this.closeReason };
  }

  close(): void {
    this.socket.terminate();
  }
}
