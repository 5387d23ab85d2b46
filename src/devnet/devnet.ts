// A local network of real nodes on loopback: own key, port and SQLite file each, in a temporary folder.
// Wired as a ring (plus chords when large) so messages must cross several hops, or left to discovery from node 0
// alone; one bridge and one light node. A member can be stopped and restarted on its own data and key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BridgeApi } from '../api/server.js';
import type { KeyPair } from '../core/crypto.js';
import { toBase64 } from '../core/encoding.js';
import type { NodeType } from '../core/engine/types.js';
import { TrustMeshError } from '../core/errors.js';
import { loadNetwork, type Network, type NetworkFile } from '../core/network.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { VerifierPool } from '../crypto/verifier-pool.js';
import { type Logger, silentLogger } from '../log.js';
import type { DiscoveryOptions } from '../net/kad/interface.js';
import { createKey } from '../node/key-file.js';
import { TrustMeshNode } from '../node/node.js';
import type { SyncOptions } from '../node/sync/options.js';
import type { NodeOptions } from '../node/types.js';

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
  /** Length of a ledger block's epoch (default 10 s); sync moves closed blocks only, so catch-up wants short ones. */
  readonly epochMs?: number;
  /** Sync tuning for every node (see node/sync/options.ts). */
  readonly sync?: Partial<SyncOptions>;
  /**
   * 'ring' (default): discovery off, the planned edges dialled by hand. 'minimal': discovery on and every node
   * told of node 0 alone, so the topology is whatever discovery builds (see devnet/topology.ts).
   */
  readonly bootstrap?: DevnetBootstrap;
  /** Discovery tuning for the 'minimal' bootstrap (timers, target outbound). */
  readonly discovery?: Partial<DiscoveryOptions>;
}

export type DevnetBootstrap = 'ring' | 'minimal';

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

/** What a member needs to start again on its own data dir and key. */
interface MemberSeed {
  readonly key: KeyPair;
  readonly role: NodeType;
  port: number;
}

export class Devnet {
  private readonly seeds: MemberSeed[] = [];
  private stopping = false;

  private constructor(
    readonly dir: string,
    readonly network: Network,
    readonly networkPath: string,
    readonly members: DevnetMember[],
    readonly edges: Array<[number, number]>,
    /** Whether stop() leaves the data folder in place. */
    readonly kept: boolean,
    readonly bootstrap: DevnetBootstrap,
    private readonly options: DevnetOptions,
    private readonly logger: Logger,
    private readonly verifier: VerifierPool | null,
    private apiServer: DevnetApi | null = null,
  ) {}

  get api(): DevnetApi | null {
    return this.apiServer;
  }

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
      epochMs: options.epochMs ?? 10_000,
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
    const threads = options.verifierThreads ?? 0;
    const verifier = threads > 0 ? new VerifierPool(threads) : null;
    const bootstrap = options.bootstrap ?? 'ring';
    const edges =
      bootstrap === 'minimal'
        ? []
        : (options.edges?.map(([from, to]): [number, number] => [from, to]) ?? devnetTopology(count));
    const devnet = new Devnet(
      dir,
      network,
      networkPath,
      [],
      edges,
      options.keep ?? options.dir !== undefined,
      bootstrap,
      options,
      logger,
      verifier,
    );
    try {
      for (const [index, key] of keys.entries()) {
        devnet.seeds.push({ key, role: roleOf(index), port: 0 });
        // Under 'minimal' every node but node 0 is told of node 0 alone, at start, like a bootstrap list.
        const peers = bootstrap === 'minimal' && index > 0 ? [devnet.members[0]!.node.endpoint] : [];
        devnet.members.push(await devnet.startMember(index, peers));
      }
      if (options.api) devnet.apiServer = await serveApi(devnet.members[0]!, logger);
    } catch (error) {
      await Promise.all(devnet.members.map((member) => member.node.stop()));
      await verifier?.close();
      if (!options.keep && options.dir === undefined) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    for (const [from, to] of edges) devnet.nodes[from]!.addPeer(devnet.nodes[to]!.endpoint);
    return devnet;
  }

  private async startMember(index: number, peers: readonly string[]): Promise<DevnetMember> {
    const seed = this.seeds[index]!;
    const dataDir = join(this.dir, `node-${index}`);
    const options: NodeOptions = {
      dataDir,
      network: this.network,
      key: seed.key,
      type: seed.role,
      host: '127.0.0.1',
      port: seed.port,
      validator: seed.role !== 'light',
      storageSync: 'normal',
      peers,
      // The ring bootstrap measures propagation over its own sparse ring (diameter ≥ 2); discovery would turn a
      // devnet this small into a full mesh.
      discovery:
        this.bootstrap === 'minimal' ? { ...this.options.discovery, enabled: true } : { enabled: false },
      ...(this.options.sync === undefined ? {} : { sync: this.options.sync }),
    };
    const modules = {
      logger: this.logger.child({ name: `node-${index}` }),
      ...(this.verifier === null ? {} : { verifier: this.verifier }),
    };
    const node = await TrustMeshNode.start(options, modules).catch((error: unknown) => {
      // Its old port taken meanwhile: any free one does, since a restart dials its neighbours itself.
      const listen =
        error instanceof TrustMeshError ? (error.details?.listen as { code?: unknown }) : undefined;
      if (seed.port === 0 || listen?.code !== 'EADDRINUSE') throw error;
      return TrustMeshNode.start({ ...options, port: 0 }, modules);
    });
    // A restart listens where peers last saw it, so their reconnection attempts find it again.
    seed.port = node.port;
    return { name: `node-${index}`, role: seed.role, dataDir, node };
  }

  /** How long after its epoch a block counts as closed for sync, as every node here is configured. */
  blockGraceMs(): number {
    return this.options.sync?.blockGraceMs ?? 2 * this.network.params.clockSkewMs;
  }

  get nodes(): TrustMeshNode[] {
    return this.members.map((member) => member.node);
  }

  /** Stops one member (gracefully); its data dir and key stay for restartMember. */
  async stopMember(index: number): Promise<void> {
    if (this.apiServer?.member === this.members[index])
      throw new RangeError('the bridge API runs on this node');
    await this.members[index]!.node.stop();
  }

  /**
   * Starts a stopped member again on its data dir, key and port, dialling the peers its planned edges name (both
   * directions: the others' reconnection attempts may be backing off).
   */
  async restartMember(index: number): Promise<TrustMeshNode> {
    const neighbours = new Set<number>();
    for (const [a, b] of this.edges) {
      if (a === index) neighbours.add(b);
      if (b === index) neighbours.add(a);
    }
    if (this.bootstrap === 'minimal' && index > 0) neighbours.add(0);
    const peers = [...neighbours].map((other) => this.nodes[other]!.endpoint);
    const member = await this.startMember(index, peers);
    this.members[index] = member;
    return member.node;
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
      if (this.stopping) throw new Error('the devnet stopped before its links were all up');
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

  /** Set when stop() begins: the waits below end then, rather than poll a mesh that is going away. */
  get stopped(): boolean {
    return this.stopping;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.apiServer?.server.close();
    await Promise.all(this.nodes.map((node) => node.stop()));
    await this.verifier?.close();
    if (!this.kept) rmSync(this.dir, { recursive: true, force: true });
  }
}
