// A crowd of identities behind one socket, for eclipse tests: each path /mesh/<n> answers the handshake as its own
// key, and every FIND_NODE is answered with identities ground to share the target's first 4 bits.
import { createHash } from 'node:crypto';
import { type WebSocket, WebSocketServer } from 'ws';
import { solveWork } from '../../src/core/admission/work.js';
import type { KeyPair } from '../../src/core/crypto.js';
import { createAck, createHandshake } from '../../src/core/handshake.js';
import type { Message, PeerInfo } from '../../src/core/messages/schemas.js';
import type { Signer } from '../../src/core/signing.js';
import { createSigner, generateKeyPair, randomBytes, sodiumCrypto } from '../../src/crypto/sodium.js';
import { TEST_WORK_BITS } from './fixtures.js';

export class SybilServer {
  readonly identities: Signer[] = [];
  /** Handshakes completed, by identity index. */
  readonly reached = new Set<number>();
  private readonly server: WebSocketServer;
  private readonly ground = new Map<string, PeerInfo[]>();
  private port = 0;
  /** Whether FIND_NODE is answered with ground identities (otherwise with none). */
  answerWithSybils = true;
  /** FIND_NODEs still to be met by closing the connection they came on (a link lost under a request). */
  closeOnFindNode = 0;

  private constructor(
    readonly host: string,
    private readonly networkId: string,
  ) {
    this.server = new WebSocketServer({ host, port: 0, perMessageDeflate: false });
    this.server.on('connection', (socket, request) => this.serve(socket, request.url ?? ''));
  }

  static async start(host: string, networkId: string): Promise<SybilServer> {
    const sybil = new SybilServer(host, networkId);
    await new Promise<void>((resolve) => sybil.server.once('listening', () => resolve()));
    sybil.port = (sybil.server.address() as { port: number }).port;
    return sybil;
  }

  endpoint(index: number): string {
    return `ws://${this.host}:${this.port}/mesh/${index}`;
  }

  /** A fresh identity (optionally ground until its id starts with `prefix`), reachable at its own path. */
  add(prefix = ''): { index: number; info: PeerInfo } {
    let key: KeyPair;
    let signer: Signer;
    do {
      key = generateKeyPair();
      signer = createSigner(key);
    } while (!signer.nodeId.startsWith(prefix));
    this.identities.push(signer);
    const index = this.identities.length - 1;
    return { index, info: this.info(index) };
  }

  info(index: number): PeerInfo {
    const signer = this.identities[index]!;
    return {
      nodeId: signer.nodeId,
      publicKey: signer.publicKey,
      endpoints: [this.endpoint(index)],
      capabilities: ['FULL_NODE'],
    };
  }

  /** 20 identities sharing `target`'s first 4 bits (made once per target; cheap, as the tests share one process). */
  nearTo(target: string): PeerInfo[] {
    let held = this.ground.get(target);
    if (held === undefined) {
      held = Array.from({ length: 20 }, () => this.add(target.slice(0, 1)).info);
      this.ground.set(target, held);
    }
    return held;
  }

  private serve(socket: WebSocket, path: string): void {
    const index = Number(path.split('/').pop());
    const signer = this.identities[index];
    if (signer === undefined) {
      socket.terminate();
      return;
    }
    const send = (message: unknown) => socket.send(JSON.stringify(message));
    send(
      createHandshake(
        signer,
        this.networkId,
        randomBytes(32),
        ['FULL_NODE'],
        [this.endpoint(index)],
        'sybil',
        // Sybils pay the (test network's) admission work: keys are free, admission is not, and they pay.
        solveWork(sodiumCrypto, this.networkId, signer.nodeId, TEST_WORK_BITS),
      ),
    );
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Message;
      if (message.type === 'HANDSHAKE') send(createAck(signer, this.networkId, message));
      else if (message.type === 'HANDSHAKE_ACK') this.reached.add(index);
      else if (message.type === 'FIND_NODE' && this.closeOnFindNode > 0) {
        this.closeOnFindNode--;
        socket.terminate();
      } else if (message.type === 'FIND_NODE')
        send({
          type: 'NODES',
          version: '1.0',
          id: message.id,
          nodes: this.answerWithSybils ? this.nearTo(message.target) : [],
        });
    });
  }

  /** Open connections from the node under test. */
  get connections(): number {
    return this.server.clients.size;
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The SHA-256 hex of a string, as a lookup target. */
export const targetOf = (text: string): string => createHash('sha256').update(text).digest('hex');
