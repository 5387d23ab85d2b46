// The trust-mesh side of the dissemination bench: a devnet of real nodes over loopback on the seeded graph,
// proposals paced across the nodes, first arrival and commit per node, frames and bytes from connection stats.
import type { Commit } from '../src/core/messages/schemas.js';
import { Devnet } from '../src/devnet/devnet.js';
import { internals } from '../src/node/internals.js';
import type { TrustMeshNode } from '../src/node/node.js';
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
  type WorkerConfig,
  type WorkerResult,
} from './dissemination-measure.js';
import { UNLIMITED } from './support.js';

/** The update a commit is for, wherever the COMMIT format keeps its id (whole update or a reference). */
function committedUpdateId(commit: Commit): string {
  const loose = commit as unknown as { update?: { id?: string }; updateId?: string };
  return loose.update?.id ?? loose.updateId ?? '';
}

/** Frames sent, by message type, counted as each frame is queued on a connection (the type leads each frame). */
class SendCounter {
  readonly byType = new Map<string, number>();

  wrap(nodes: readonly TrustMeshNode[]): void {
    for (const node of nodes) {
      const { peers } = internals(node);
      for (const peerId of peers.connectedIds()) {
        const connection = peers.session(peerId)?.connection;
        if (connection === undefined) continue;
        const send = connection.send.bind(connection);
        connection.send = (frame, lane) => {
          const type = frame.startsWith('{"type":"') ? frame.slice(9, frame.indexOf('"', 9)) : 'other';
          this.byType.set(type, (this.byType.get(type) ?? 0) + 1);
          return send(frame, lane);
        };
      }
    }
  }

  snapshot(): Map<string, number> {
    return new Map(this.byType);
  }
}

/** Frames and bytes sent so far over every established connection of every node. */
function wireTotals(nodes: readonly TrustMeshNode[]): { frames: number; bytes: number } {
  let frames = 0;
  let bytes = 0;
  for (const node of nodes) {
    const { peers } = internals(node);
    for (const peerId of peers.connectedIds()) {
      const stats = peers.session(peerId)?.connection.stats;
      frames += stats?.framesSent ?? 0;
      bytes += stats?.bytesSent ?? 0;
    }
  }
  return { frames, bytes };
}

export async function runTrustMesh(config: WorkerConfig, log: (line: string) => void): Promise<WorkerResult> {
  const begun = performance.now();
  const edges = seededGraph(config.nodes, config.dials, config.seed);
  // Inline signature checks (the devnet default): one event loop, like the gossipsub process beside it.
  const devnet = await Devnet.start({ nodes: config.nodes, roles: false, params: UNLIMITED, edges });
  try {
    await devnet.waitForMesh(60_000);
    const nodes = devnet.nodes;
    const startupMs = Math.round(performance.now() - begun);
    log(`trust-mesh: ${nodes.length} nodes, ${edges.length} links up in ${startupMs} ms`);
    const counter = new SendCounter();
    counter.wrap(nodes);
    let arrivals = new ArrivalTracker(nodes.length);
    let commits = new ArrivalTracker(nodes.length);
    for (const [index, node] of nodes.entries()) {
      node.on('message', (message) => {
        if (message.type === 'TRUST_UPDATE') arrivals.arrive(message.id, index, performance.now());
      });
      node.on('committed', (commit) => {
        const id = committedUpdateId(commit);
        const now = performance.now();
        // A node that learns the update only with its commit holds it from then on.
        arrivals.arrive(id, index, now);
        commits.arrive(id, index, now);
      });
    }
    let serial = 0;
    const propose = (origin: number) => {
      const at = performance.now();
      const record = nodes[origin]!.submit({
        agentId: `dissemination-${serial++}`,
        principalId: 'bench',
        trustScore: serial % 1001,
        event: 'SCORE_UPDATE',
      });
      arrivals.publish(record.id, at, origin);
      commits.publish(record.id, at, null);
    };

    // Warm-up, measured apart: one update from each node. Each origin's first message floods and its copies
    // prune the links that are not in its tree (docs/PROTOCOL.md §5.1); the phases after it run on grown trees,
    // as gossipsub's run after its mesh formed.
    const warmup = await phase(
      { rate: 10, updates: nodes.length, drainMs: 30_000 },
      nodes,
      counter,
      arrivals,
      commits,
      propose,
    );
    log(
      `trust-mesh N=${nodes.length} warm-up (one update per origin): ${warmup.framesPerNodePerUpdate} frames per node per update`,
    );

    const phases: PhaseResult[] = [];
    for (const spec of config.phases) {
      arrivals = new ArrivalTracker(nodes.length);
      commits = new ArrivalTracker(nodes.length);
      phases.push(await phase(spec, nodes, counter, arrivals, commits, propose));
      const last = phases.at(-1)!;
      log(
        `trust-mesh N=${nodes.length} ${spec.rate}/s: t100 ${last.t100} ms, commit t100 ${last.commitT100} ms, ` +
          `${last.committedEverywhere}/${spec.updates} committed everywhere, ${last.framesPerNodePerUpdate} frames and ` +
          `${last.bytesPerNodePerUpdate} B per node per committed update, CPU ${last.cpuMsPerUpdatePerNode} ms, RSS ${last.peakRssMiB} MiB`,
      );
    }
    return {
      system: 'trust-mesh',
      nodes: nodes.length,
      links: edges.length,
      startupMs,
      phases,
      warmup,
      notes: [
        'frames/bytes: every connection’s framesSent/bytesSent (WebSocket message payloads, before ws framing and TCP)',
        'divided by the updates committed (stored by at least one node) in the phase',
      ],
    };
  } finally {
    await devnet.stop();
  }
}

async function phase(
  spec: PhaseSpec,
  nodes: readonly TrustMeshNode[],
  counter: SendCounter,
  arrivals: ArrivalTracker,
  commits: ArrivalTracker,
  propose: (origin: number) => void,
): Promise<PhaseResult> {
  const wireBefore = wireTotals(nodes);
  const typesBefore = counter.snapshot();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await paced(spec, nodes.length, (_, origin) => propose(origin));
  await drain(() => commits.allArrived(), spec.drainMs);
  const wallMs = Math.round(performance.now() - started);
  const wire = wireTotals(nodes);
  const committed = commits.reached(1);
  const byKind: Record<string, number> = {};
  for (const [type, count] of counter.snapshot()) {
    const sent = count - (typesBefore.get(type) ?? 0);
    if (sent > 0) byKind[type] = perNodePerUpdate(sent, committed, nodes.length);
  }
  const times = arrivals.figures();
  return {
    rate: spec.rate,
    updates: spec.updates,
    reachedAll: arrivals.reached(),
    ...times,
    commitT50: commits.medianTimeTo(0.5),
    commitT100: commits.medianTimeTo(1),
    committedEverywhere: commits.reached(),
    framesPerNodePerUpdate: perNodePerUpdate(wire.frames - wireBefore.frames, committed, nodes.length),
    bytesPerNodePerUpdate: perNodePerUpdate(wire.bytes - wireBefore.bytes, committed, nodes.length),
    byKind,
    cpuMsPerUpdatePerNode: cpuMsPerUpdatePerNode(cpuBefore, spec.updates, nodes.length),
    peakRssMiB: peakRssMiB(),
    wallMs,
  };
}
