// Simulator scenario files: topology, node count, stakes, load and faults, as JSON checked by one TypeBox schema.
// Defaults are filled in here, so the rest of the simulator reads a complete, validated scenario.
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { TrustMeshError } from '../core/errors.js';
import type { NetworkParams } from '../core/network.js';
import type { LatencySpec } from './distributions.js';
import type { TopologySpec } from './topology.js';

const Ms = Type.Number({ minimum: 0, maximum: 86_400_000 });
const NodeIndex = Type.Integer({ minimum: 0, maximum: 99_999 });
const NodeList = Type.Array(NodeIndex, { maxItems: 100_000 });

const Latency = Type.Union([
  Type.Object({ kind: Type.Literal('fixed'), ms: Ms }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('uniform'), minMs: Ms, maxMs: Ms }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('lognormal'), medianMs: Ms, sigma: Type.Number({ minimum: 0, maximum: 5 }) },
    { additionalProperties: false },
  ),
]);

export const ScenarioSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    nodes: Type.Integer({ minimum: 1, maximum: 100_000 }),
    /** Nodes 0..members-1 are in the network file (may propose and revoke); the rest only relay. Default: all. */
    members: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** Stake per node index (missing = 0), or the first `validators` nodes with `stake` each. */
    stakes: Type.Union([
      Type.Array(Type.Integer({ minimum: 0, maximum: 1_000_000_000 }), { maxItems: 10_000 }),
      Type.Object(
        { validators: Type.Integer({ minimum: 0, maximum: 10_000 }), stake: Type.Integer({ minimum: 1 }) },
        { additionalProperties: false },
      ),
    ]),
    topology: Type.Union([
      Type.Object(
        { kind: Type.Literal('random'), dials: Type.Integer({ minimum: 1, maximum: 1000 }) },
        { additionalProperties: false },
      ),
      Type.Object({ kind: Type.Literal('ring') }, { additionalProperties: false }),
      Type.Object({ kind: Type.Literal('full') }, { additionalProperties: false }),
    ]),
    links: Type.Optional(
      Type.Object(
        {
          latency: Type.Optional(Latency),
          /** Chance each frame is lost on its link. */
          loss: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          /** Bytes per second per link direction; frames queue behind each other. Absent: unlimited. */
          bandwidthBytesPerSecond: Type.Optional(Type.Number({ minimum: 1 })),
          /** Let a later frame overtake an earlier one on a link (default: FIFO, as over TCP). */
          reorder: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    durationMs: Ms,
    /** Network parameters for the genesis file (clock skew, proposal timeout …). */
    params: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 1 }))),
    /** Flood PEER_ANNOUNCEs (each costs every node a signature check); off drops them on the wire. Default on. */
    gossipAnnounces: Type.Optional(Type.Boolean()),
    load: Type.Optional(
      Type.Object(
        {
          updates: Type.Optional(
            Type.Object(
              {
                perSecond: Type.Number({ minimum: 0, maximum: 10_000 }),
                fromMs: Type.Optional(Ms),
                untilMs: Type.Optional(Ms),
                /** Who proposes, round robin; default every member. */
                proposers: Type.Optional(NodeList),
              },
              { additionalProperties: false },
            ),
          ),
          proposals: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  atMs: Ms,
                  node: NodeIndex,
                  agentId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
                  trustScore: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
                },
                { additionalProperties: false },
              ),
            ),
          ),
          revocations: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  atMs: Ms,
                  node: NodeIndex,
                  agentId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
                },
                { additionalProperties: false },
              ),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    faults: Type.Optional(
      Type.Object(
        {
          /** `side` cannot talk to the other nodes from atMs until healMs (never healed when absent). */
          partitions: Type.Optional(
            Type.Array(
              Type.Object(
                { atMs: Ms, healMs: Type.Optional(Ms), side: NodeList },
                { additionalProperties: false },
              ),
            ),
          ),
          /** The node's process dies (engine gone, ledger kept) and, if restartMs is given, starts again on it. */
          crashes: Type.Optional(
            Type.Array(
              Type.Object(
                { node: NodeIndex, atMs: Ms, restartMs: Type.Optional(Ms) },
                { additionalProperties: false },
              ),
            ),
          ),
          /** Churn: the node's connections close (engine kept running) and come back at backMs. */
          disconnects: Type.Optional(
            Type.Array(
              Type.Object(
                { node: NodeIndex, atMs: Ms, backMs: Type.Optional(Ms) },
                { additionalProperties: false },
              ),
            ),
          ),
          clockOffsets: Type.Optional(
            Type.Array(
              Type.Object(
                { node: NodeIndex, offsetMs: Type.Number({ minimum: -86_400_000, maximum: 86_400_000 }) },
                { additionalProperties: false },
              ),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type ScenarioFile = Static<typeof ScenarioSchema>;

export interface Partition {
  readonly atMs: number;
  readonly healMs: number | undefined;
  readonly side: ReadonlySet<number>;
}

/** A validated scenario with every default filled in. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly nodes: number;
  readonly members: number;
  /** Stake of each node index (length = nodes). */
  readonly stakes: readonly number[];
  readonly topology: TopologySpec;
  readonly latency: LatencySpec;
  readonly loss: number;
  readonly bandwidthBytesPerSecond: number | undefined;
  readonly reorder: boolean;
  readonly durationMs: number;
  readonly params: Partial<NetworkParams>;
  readonly gossipAnnounces: boolean;
  readonly updates: {
    perSecond: number;
    fromMs: number;
    untilMs: number;
    proposers: readonly number[];
  } | null;
  readonly proposals: readonly { atMs: number; node: number; agentId?: string; trustScore?: number }[];
  readonly revocations: readonly { atMs: number; node: number; agentId?: string }[];
  readonly partitions: readonly Partition[];
  readonly crashes: readonly { node: number; atMs: number; restartMs?: number }[];
  readonly disconnects: readonly { node: number; atMs: number; backMs?: number }[];
  readonly clockOffsets: ReadonlyMap<number, number>;
  /** The file as given, for results and replays. */
  readonly file: ScenarioFile;
}

const checkScenario = TypeCompiler.Compile(ScenarioSchema);

const invalid = (detail: string): TrustMeshError => new TrustMeshError('TM_ERR_SCENARIO_INVALID', detail);

const PARAM_NAMES = new Set([
  'rateLimitPerMinute',
  'clockSkewMs',
  'heartbeatMs',
  'heartbeatMissLimit',
  'handshakeTimeoutMs',
  'proposalTimeoutMs',
  'maxFrameBytes',
]);

/** Validates a parsed scenario file and fills in defaults; throws TM_ERR_SCENARIO_INVALID naming the field. */
export function loadScenario(value: unknown): Scenario {
  if (!checkScenario.Check(value)) {
    const first = checkScenario.Errors(value).First();
    throw invalid(`${first?.path || '/'}: ${first?.message ?? 'invalid'}`);
  }
  const { nodes } = value;
  const members = value.members ?? Math.min(nodes, 10_000);
  if (members > nodes) throw invalid('/members: more members than nodes');
  const stakes = Array.isArray(value.stakes)
    ? Array.from({ length: nodes }, (_, i) => (value.stakes as number[])[i] ?? 0)
    : Array.from({ length: nodes }, (_, i) =>
        i < (value.stakes as { validators: number }).validators
          ? (value.stakes as { stake: number }).stake
          : 0,
      );
  if (stakes.some((stake, i) => stake > 0 && i >= members)) throw invalid('/stakes: only members hold stake');
  const inRange = (index: number, where: string): number => {
    if (index >= nodes) throw invalid(`${where}: node ${index} does not exist (${nodes} nodes)`);
    return index;
  };
  const isMember = (index: number, where: string): number => {
    if (inRange(index, where) >= members) throw invalid(`${where}: node ${index} is not a member`);
    return index;
  };
  for (const name of Object.keys(value.params ?? {}))
    if (!PARAM_NAMES.has(name)) throw invalid(`/params/${name}: unknown network parameter`);
  const load = value.load ?? {};
  const faults = value.faults ?? {};
  const updates =
    load.updates === undefined
      ? null
      : {
          perSecond: load.updates.perSecond,
          fromMs: load.updates.fromMs ?? 0,
          untilMs: load.updates.untilMs ?? value.durationMs,
          proposers: (load.updates.proposers ?? Array.from({ length: members }, (_, i) => i)).map((i) =>
            isMember(i, '/load/updates/proposers'),
          ),
        };
  for (const [i, p] of (load.proposals ?? []).entries()) isMember(p.node, `/load/proposals/${i}/node`);
  for (const [i, r] of (load.revocations ?? []).entries()) isMember(r.node, `/load/revocations/${i}/node`);
  faults.crashes?.forEach((c, i) => {
    inRange(c.node, `/faults/crashes/${i}/node`);
    if (c.restartMs !== undefined && c.restartMs <= c.atMs)
      throw invalid(`/faults/crashes/${i}: restart before crash`);
  });
  faults.disconnects?.forEach((d, i) => {
    inRange(d.node, `/faults/disconnects/${i}/node`);
    if (d.backMs !== undefined && d.backMs <= d.atMs)
      throw invalid(`/faults/disconnects/${i}: back before gone`);
  });
  const partitions = (faults.partitions ?? []).map((p, i): Partition => {
    for (const n of p.side) inRange(n, `/faults/partitions/${i}/side`);
    if (p.healMs !== undefined && p.healMs <= p.atMs)
      throw invalid(`/faults/partitions/${i}: healed before cut`);
    return { atMs: p.atMs, healMs: p.healMs, side: new Set(p.side) };
  });
  const clockOffsets = new Map<number, number>();
  for (const [i, c] of (faults.clockOffsets ?? []).entries()) {
    clockOffsets.set(inRange(c.node, `/faults/clockOffsets/${i}/node`), c.offsetMs);
  }
  const latency = value.links?.latency ?? { kind: 'fixed', ms: 50 };
  if (latency.kind === 'uniform' && latency.maxMs < latency.minMs)
    throw invalid('/links/latency: maxMs < minMs');
  return {
    name: value.name,
    description: value.description ?? '',
    nodes,
    members,
    stakes,
    topology: value.topology,
    latency,
    loss: value.links?.loss ?? 0,
    bandwidthBytesPerSecond: value.links?.bandwidthBytesPerSecond,
    reorder: value.links?.reorder ?? false,
    durationMs: value.durationMs,
    params: (value.params ?? {}) as Partial<NetworkParams>,
    gossipAnnounces: value.gossipAnnounces ?? true,
    updates,
    proposals: load.proposals ?? [],
    revocations: load.revocations ?? [],
    partitions,
    crashes: faults.crashes ?? [],
    disconnects: faults.disconnects ?? [],
    clockOffsets,
    file: value,
  };
}
