// The gossipsub side of the dissemination bench: stock js-libp2p nodes (TCP, noise, yamux, identify, gossipsub
// with its defaults) on loopback, dialled along the same seeded graph; RPCs and bytes counted where they leave.
import type { Libp2p } from 'libp2p';
import { seededGraph } from './commit-throughput.js';
import {
  ArrivalTracker,
  cpuMsPerUpdatePerNode,
  drain,
  type PhaseResult,
  type PhaseSpec,
  paced,
  peakRssMiB,
  perNodePerUpdate,
  sleep,
  type WorkerConfig,
  type WorkerResult,
} from './dissemination-measure.js';

const TOPIC = 'trust-mesh-bench';
const DIAL_BATCH = 40;

/** The parts of a gossipsub instance the counters hook into (private in its typings, stable in 14.x). */
interface GossipsubInternals {
  streamsOutbound: Map<string, OutboundStreamLike>;
  sendRpc(id: string, rpc: RpcLike): boolean;
  sendRpcInBatch(tosend: Set<string>, rpc: RpcLike): void;
  getMeshPeers(topic: string): string[];
  getSubscribers(topic: string): unknown[];
  subscribe(topic: string): void;
  publish(topic: string, data: Uint8Array): Promise<unknown>;
  addEventListener(type: 'message', listener: (event: CustomEvent<{ data: Uint8Array }>) => void): void;
}
interface OutboundStreamLike {
  push(data: Uint8Array): void;
  pushPrefixed(data: Uint8Array): void;
}
interface RpcLike {
  messages?: unknown[];
  control?: unknown;
}

/** libp2p 2's dependencies expect Node 22's Promise.withResolvers; Node 20 lacks it. Must run before they load. */
function polyfillWithResolvers(): void {
  const promise = Promise as unknown as { withResolvers?: () => unknown };
  if (promise.withResolvers !== undefined) return;
  promise.withResolvers = () => {
    let resolve: (value: unknown) => void = () => {};
    let reject: (reason: unknown) => void = () => {};
    const pending = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise: pending, resolve, reject };
  };
}

async function loadLibp2p() {
  polyfillWithResolvers();
  const [{ createLibp2p }, { gossipsub }, { tcp }, { noise }, { yamux }, { identify }] = await Promise.all([
    import('libp2p'),
    import('@chainsafe/libp2p-gossipsub'),
    import('@libp2p/tcp'),
    import('@chainsafe/libp2p-noise'),
    import('@chainsafe/libp2p-yamux'),
    import('@libp2p/identify'),
  ]);
  return () =>
    createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // Every node of the bench dials from 127.0.0.1: the per-host inbound rate limit would refuse most dials.
      connectionManager: { inboundConnectionThreshold: 100_000, maxIncomingPendingConnections: 10_000 },
      // The monitor aborts a connection whose ping misses an adaptive timeout; 50 nodes busy in one event loop
      // miss it and lose their links for good (gossipsub does not redial). trust-mesh's heartbeat allows 45 s.
      connectionMonitor: { enabled: false },
      services: {
        identify: identify(),
        pubsub: gossipsub({
          emitSelf: false,
          allowPublishToZeroTopicPeers: true,
          // The one change from stock: every peer here shares 127.0.0.1, which the IP-colocation score (P6)
          // punishes past 10 peers, pruning the mesh to nothing. On a real network each peer has its own address.
          scoreParams: { IPColocationFactorWhitelist: new Set(['127.0.0.1']) },
        }),
      },
    });
}

/** Length of the unsigned varint that prefixes each RPC on the stream. */
const varintLength = (value: number): number =>
  value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;

/** RPCs, message copies and bytes this process's gossipsub instances hand their outbound streams. */
class RpcCounter {
  rpcs = 0;
  copies = 0;
  withControl = 0;
  bytes = 0;

  wrap(pubsub: GossipsubInternals): void {
    const streams = pubsub.streamsOutbound;
    const wrapStream = (stream: OutboundStreamLike) => {
      const push = stream.push.bind(stream);
      const pushPrefixed = stream.pushPrefixed.bind(stream);
      stream.push = (data) => {
        push(data);
        this.bytes += data.length + varintLength(data.length);
      };
      stream.pushPrefixed = (data) => {
        pushPrefixed(data);
        this.bytes += data.length;
      };
    };
    for (const stream of streams.values()) wrapStream(stream);
    const set = streams.set.bind(streams);
    streams.set = (id, stream) => {
      wrapStream(stream);
      return set(id, stream);
    };
    const sendRpc = pubsub.sendRpc.bind(pubsub);
    pubsub.sendRpc = (id, rpc) => {
      const sent = sendRpc(id, rpc);
      if (sent) this.count(rpc, 1);
      return sent;
    };
    const sendRpcInBatch = pubsub.sendRpcInBatch.bind(pubsub);
    pubsub.sendRpcInBatch = (tosend, rpc) => {
      sendRpcInBatch(tosend, rpc);
      // Peers it could not send to are taken out of the set.
      this.count(rpc, tosend.size);
    };
  }

  private count(rpc: RpcLike, peers: number): void {
    this.rpcs += peers;
    this.copies += (rpc.messages?.length ?? 0) * peers;
    if (rpc.control !== undefined && rpc.control !== null) this.withControl += peers;
  }

  snapshot() {
    return { rpcs: this.rpcs, copies: this.copies, withControl: this.withControl, bytes: this.bytes };
  }
}

export async function runGossipsub(config: WorkerConfig, log: (line: string) => void): Promise<WorkerResult> {
  const begun = performance.now();
  const create = await loadLibp2p();
  const edges = seededGraph(config.nodes, config.dials, config.seed);
  const nodes: Libp2p[] = [];
  try {
    for (let i = 0; i < config.nodes; i++) nodes.push(await create());
    const createdMs = Math.round(performance.now() - begun);
    const pubsubs = nodes.map((node) => node.services.pubsub as unknown as GossipsubInternals);
    const counter = new RpcCounter();
    for (const pubsub of pubsubs) {
      counter.wrap(pubsub);
      pubsub.subscribe(TOPIC);
    }
    // A few dials at a time, each with room: a storm of noise handshakes on a busy machine overruns libp2p's 5 s.
    for (let i = 0; i < edges.length; i += DIAL_BATCH) {
      await Promise.all(
        edges
          .slice(i, i + DIAL_BATCH)
          .map(([from, to]) =>
            nodes[from]!.dial(nodes[to]!.getMultiaddrs(), { signal: AbortSignal.timeout(30_000) }),
          ),
      );
    }
    const dialledMs = Math.round(performance.now() - begun);
    const degree = new Array<number>(config.nodes).fill(0);
    for (const [a, b] of edges) {
      degree[a]!++;
      degree[b]!++;
    }
    // Ready when every node knows all its neighbours' subscriptions and has grafted a mesh (heartbeat: 1 s).
    const ready = () =>
      pubsubs.every(
        (pubsub, i) =>
          pubsub.getSubscribers(TOPIC).length >= degree[i]! &&
          pubsub.getMeshPeers(TOPIC).length >= Math.min(4, degree[i]!),
      );
    if (!(await drain(ready, 30_000))) {
      const subscribers = pubsubs.map((pubsub) => pubsub.getSubscribers(TOPIC).length).join(',');
      throw new Error(`gossipsub mesh not formed within 30 s (subscribers per node: ${subscribers})`);
    }
    await sleep(1_500);
    const startupMs = Math.round(performance.now() - begun);
    log(
      `gossipsub: ${nodes.length} nodes, ${edges.length} links (nodes made in ${createdMs} ms, dialled by ${dialledMs} ms), mesh formed in ${startupMs} ms`,
    );

    let arrivals = new ArrivalTracker(nodes.length);
    for (const [index, pubsub] of pubsubs.entries()) {
      pubsub.addEventListener('message', (event) => {
        const data = event.detail.data;
        const serial = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
        arrivals.arrive(String(serial), index, performance.now());
      });
    }
    let serial = 0;
    const publish = async (origin: number) => {
      const data = new Uint8Array(config.payloadBytes);
      new DataView(data.buffer).setUint32(0, serial);
      arrivals.publish(String(serial++), performance.now(), origin);
      await pubsubs[origin]!.publish(TOPIC, data);
    };

    await paced({ rate: 5, updates: 5, drainMs: 0 }, nodes.length, (_, origin) => publish(origin));
    await drain(() => arrivals.allArrived(), 10_000);

    const phases: PhaseResult[] = [];
    for (const spec of config.phases) {
      arrivals = new ArrivalTracker(nodes.length);
      phases.push(await phase(spec, nodes.length, counter, () => arrivals, publish));
      const last = phases.at(-1)!;
      const links = nodes.reduce((sum, node) => sum + node.getConnections().length, 0) / 2;
      log(
        `gossipsub N=${nodes.length} ${spec.rate}/s: ${links} links open, t100 ${last.t100} ms, ${last.reachedAll}/${spec.updates} reached all, ` +
          `${last.framesPerNodePerUpdate} RPCs (${last.byKind.copies} copies) and ${last.bytesPerNodePerUpdate} B per node per update, ` +
          `CPU ${last.cpuMsPerUpdatePerNode} ms, RSS ${last.peakRssMiB} MiB`,
      );
    }
    return {
      system: 'gossipsub',
      nodes: nodes.length,
      links: edges.length,
      startupMs,
      phases,
      notes: [
        'frames = RPCs handed to a peer’s outbound stream (sendRpc and sendRpcInBatch); copies = messages inside them',
        'bytes = encoded RPC bytes plus their varint length prefix, before yamux, noise and TCP framing',
        'heartbeat traffic (IHAVE/IWANT/GRAFT/PRUNE, 1 s) during the phase is included, as is IDONTWANT',
      ],
    };
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
}

async function phase(
  spec: PhaseSpec,
  nodeCount: number,
  counter: RpcCounter,
  arrivals: () => ArrivalTracker,
  publish: (origin: number) => Promise<void>,
): Promise<PhaseResult> {
  const before = counter.snapshot();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await paced(spec, nodeCount, (_, origin) => publish(origin));
  await drain(() => arrivals().allArrived(), spec.drainMs);
  const wallMs = Math.round(performance.now() - started);
  const after = counter.snapshot();
  const per = (total: number) => perNodePerUpdate(total, spec.updates, nodeCount);
  return {
    rate: spec.rate,
    updates: spec.updates,
    reachedAll: arrivals().reached(),
    ...arrivals().figures(),
    framesPerNodePerUpdate: per(after.rpcs - before.rpcs),
    bytesPerNodePerUpdate: per(after.bytes - before.bytes),
    byKind: {
      copies: per(after.copies - before.copies),
      withControl: per(after.withControl - before.withControl),
    },
    cpuMsPerUpdatePerNode: cpuMsPerUpdatePerNode(cpuBefore, spec.updates, nodeCount),
    peakRssMiB: peakRssMiB(),
    wallMs,
  };
}
