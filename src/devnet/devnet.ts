// A local network of real nodes on loopback: own key, port and SQLite file each, in a temporary folder.
// Wired as a ring (plus chords when large) so messages must cross several hops; one bridge and one light node.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BridgeApi } from '../api/server.js';
import { toBase64 } from '../core/encoding.js';
import type { NodeType } from '../core/engine/types.js';
import { loadNetwork, type Network, type NetworkFile } from '../core/network.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { VerifierPool } from '../crypto/verifier-pool.js';
import { type Logger, silentLogger } from '../log.js';
import { createKey } from '../node/key-file.js';
import { TrustMeshNode } from '../node/node.js';

export interface DevnetOptions {
  readonly nodes: number;
  /** Folder to hold the nodes' data; a fresh temporary folder by default (removed on stop unless `keep`). */
  readonly dir?: string;
  readonly keep?: boolean;
  readonly logger?: Logger;
  /** Protocol parameters for the devnet's network file. */
  readonly params?: NetworkFile['params'];
  /** Stake of each validator (light nodes get none). */
  readonly stake?: number;
  /** Give the devnet a bridge node (index 0) and a light node (last index); default true from 3 nodes up. */
  readonly roles?: boolean;
  /** Serve the bridge API from node 0 on 127.0.0.1 (any free port), with a fresh read/write token. */
  readonly api?: boolean;
  /** Links to dial (from → to, by node index) instead of the ring with chords (devnetTopology). */
  readonly edges?: ReadonlyArray<readonly [number, number]>;
  /**
   * Worker threads that check signatures ahead of each turn, in one pool shared by all the devnet's nodes (they
   * share one process); 0 (the default) checks them inline.
   */
  readonly verifierThreads?: number;
}

/** The devnet's bridge API: where it listens and the one token that opens it (made for this run only). */
export interface DevnetApi {
  readonly url: string;
  readonly token: string;
  readonly member: DevnetMember;
  readonly server: BridgeApi;
}

export interface DevnetMember {
  readonly name: string;
  readonly role: NodeType;
  readonly dataDir: string;
  readonly node: TrustMeshNode;
}

/** Ring edges i → i+1, plus chords i → i+⌊n/2⌋ for every other node once the ring gets long (n ≥ 8). */
export function devnetTopology(count: number): Array<[number, number]> {
  const edges: Array<[number, number]> = [];
  if (count < 2) return edges;
  for (let i = 0; i < count; i++) {
    const next = (i + 1) % count;
    if (count === 2 && i === 1) break;
    edges.push([i, next]);
  }
  if (count >= 8) {
    const half = Math.floor(count / 2);
    for (let i = 0; i < half; i += 2) edges.push([i, i + half]);
  }
  return edges;
}

/** Longest shortest path over an undirected edge list (Infinity when disconnected). */
export function diameter(count: number, edges: ReadonlyArray<readonly [number, number]>): number {
  const adjacency = Array.from({ length: count }, () => new Set<number>());
  for (const [a, b] of edges) {
    adjacency[a]!.add(b);
    adjacency[b]!.add(a);
  }
  let longest = 0;
  for (let start = 0; start < count; start++) {
    const distance = new Array<number>(count).fill(-1);
    distance[start] = 0;
    const queue = [start];
    for (let head = 0; head < queue.length; head++) {
      const at = queue[head]!;
      for (const next of adjacency[at]!) {
        if (distance[next] === -1) {
          distance[next] = distance[at]! + 1;
          queue.push(next);
        }
      }
    }
    if (distance.includes(-1)) return Number.POSITIVE_INFINITY;
    longest = Math.max(longest, ...distance);
  }
  return longest;
}

/** Loads the API (and fastify) only for devnets that serve it. */
async function serveApi(member: DevnetMember, logger: Logger): Promise<DevnetApi> {
  const [{ createToken }, { startBridgeApi }] = await Promise.all([
    import('../api/auth.js'),
    import('../api/server.js'),
  ]);
  const { token, entry } = createToken('devnet', ['read', 'write']);
  const server = await startBridgeApi(member.node, {
    host: '127.0.0.1',
    port: 0,
    tokens: [entry],
    logger: logger.child({ name: member.name }),
  });
  return { url: server.url, token, member, server };
}

export class Devnet {
  private constructor(
    readonly dir: string,
    readonly network: Network,
    readonly networkPath: string,
    readonly members: DevnetMember[],
    readonly edges: Array<[number, number]>,
    /** Whether stop() leaves the data folder in place. */
    readonly kept: boolean,
    readonly api: DevnetApi | null,
    private readonly verifier: VerifierPool | null,
  ) {}

  static async start(options: DevnetOptions): Promise<Devnet> {
    const count = options.nodes;
    if (!Number.isInteger(count) || count < 1 || count > 64)
      throw new RangeError('a devnet has 1 to 64 nodes');
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'trust-mesh-devnet-'));
    const withRoles = options.roles ?? count >= 3;
    const roleOf = (index: number): NodeType =>
      !withRoles ? 'full' : index === 0 ? 'bridge' : index === count - 1 ? 'light' : 'full';
    const now = new Date();
    const keys = Array.from({ length: count }, (_, index) =>
      createKey(join(dir, `node-${index}`), now, true),
    );
    const file: NetworkFile = {
      networkId: `devnet-${now.getTime().toString(36)}`,
      description: 'A local development network made by `trust-mesh devnet`.',
      genesisTime: now.toISOString(),
      epochMs: 10_000,
      params: options.params ?? {},
      nodes: keys.map((key, index) => ({
        name: `node-${index}`,
        publicKey: toBase64(key.publicKey),
        stake: roleOf(index) === 'light' ? 0 : (options.stake ?? 100),
      })),
    };
    const networkPath = join(dir, 'network.json');
    writeFileSync(networkPath, `${JSON.stringify(file, null, 2)}\n`);
    const network = loadNetwork(sodiumCrypto, file);
    const logger = options.logger ?? silentLogger();
    const members: DevnetMember[] = [];
    let api: DevnetApi | null = null;
    const threads = options.verifierThreads ?? 0;
    const verifier = threads > 0 ? new VerifierPool(threads) : null;
    try {
      for (const [index, key] of keys.entries()) {
        const role = roleOf(index);
        const dataDir = join(dir, `node-${index}`);
        const node = await TrustMeshNode.start(
          {
            dataDir,
            network,
            key,
            type: role,
            host: '127.0.0.1',
            port: 0,
            validator: role !== 'light',
            storageSync: 'normal',
            // The smoke scenario measures propagation over its own sparse ring (diameter ≥ 2); discovery would
            // turn a devnet this small into a full mesh.
            discovery: { enabled: false },
          },
          { logger: logger.child({ name: `node-${index}` }), ...(verifier === null ? {} : { verifier }) },
        );
        members.push({ name: `node-${index}`, role, dataDir, node });
      }
      if (options.api) api = await serveApi(members[0]!, logger);
    } catch (error) {
      await Promise.all(members.map((member) => member.node.stop()));
      await verifier?.close();
      if (!options.keep && options.dir === undefined) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const edges = options.edges?.map(([from, to]): [number, number] => [from, to]) ?? devnetTopology(count);
    for (const [from, to] of edges) members[from]!.node.addPeer(members[to]!.node.endpoint);
    return new Devnet(
      dir,
      network,
      networkPath,
      members,
      edges,
      options.keep ?? options.dir !== undefined,
      api,
      verifier,
    );
  }

  get nodes(): TrustMeshNode[] {
    return this.members.map((member) => member.node);
  }

  /** Resolves when every planned link is established (both ends see it). */
  async waitForMesh(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (
      !this.edges.every(
        ([a, b]) =>
          this.nodes[a]!.isConnectedTo(this.nodes[b]!.nodeId) &&
          this.nodes[b]!.isConnectedTo(this.nodes[a]!.nodeId),
      )
    ) {
      if (Date.now() > deadline) throw new Error(`devnet links not all up after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Edges actually established now, by node index. */
  liveEdges(): Array<[number, number]> {
    const index = new Map(this.nodes.map((node, i) => [node.nodeId, i]));
    const edges: Array<[number, number]> = [];
    for (const [i, node] of this.nodes.entries()) {
      for (const peerId of node.connectedPeers()) {
        const j = index.get(peerId);
        if (j !== undefined && i < j) edges.push([i, j]);
      }
    }
    return edges;
  }

  async stop(): Promise<void> {
    await this.api?.server.close();
    await Promise.all(this.nodes.map((node) => node.stop()));
    await this.verifier?.close();
    if (!this.kept) rmSync(this.dir, { recursive: true, force: true });
  }
}
