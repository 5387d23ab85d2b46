// The network file (genesis): network id, epoch clock, protocol parameters and the trusted bootstrap nodes.
// Every node of a network loads the same file, so stake weights and parameters derived from it agree everywhere.
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Crypto } from './crypto.js';
import { PUBLIC_KEY_BYTES } from './crypto.js';
import { fromBase64 } from './encoding.js';
import { TrustMeshError } from './errors.js';
import { Endpoint, PublicKey, ShortText, Timestamp } from './messages/fields.js';
import { nodeIdOf } from './signing.js';
import { parseTimestamp } from './time.js';

export const DEFAULT_PARAMS = {
  /** Messages a peer may originate per minute (the spec's 100/min). Not enforced yet: no per-peer limiter. */
  rateLimitPerMinute: 100,
  /** How far a live message's timestamp may be from the receiver's clock. */
  clockSkewMs: 60_000,
  heartbeatMs: 15_000,
  /** A peer silent for this many heartbeats is dropped. */
  heartbeatMissLimit: 3,
  handshakeTimeoutMs: 5_000,
  /** A proposal without quorum by then expires and is reported rejected. */
  proposalTimeoutMs: 10_000,
  maxFrameBytes: 64 * 1024,
} as const;

export type NetworkParams = { -readonly [K in keyof typeof DEFAULT_PARAMS]: number };

const positiveInt = (minimum: number, maximum: number) => Type.Optional(Type.Integer({ minimum, maximum }));

export const NetworkFileSchema = Type.Object(
  {
    networkId: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    genesisTime: Timestamp,
    /** Length of one block (epoch) in ms. */
    epochMs: Type.Integer({ minimum: 1000, maximum: 86_400_000 }),
    params: Type.Optional(
      Type.Object(
        {
          rateLimitPerMinute: positiveInt(1, 1_000_000),
          clockSkewMs: positiveInt(100, 3_600_000),
          heartbeatMs: positiveInt(100, 600_000),
          heartbeatMissLimit: positiveInt(1, 100),
          handshakeTimeoutMs: positiveInt(100, 120_000),
          proposalTimeoutMs: positiveInt(100, 600_000),
          maxFrameBytes: positiveInt(1024, 16 * 1024 * 1024),
        },
        { additionalProperties: false },
      ),
    ),
    nodes: Type.Array(
      Type.Object(
        {
          name: Type.Optional(ShortText),
          /** Where to dial this node; entries without one are known validators, not bootstrap nodes. */
          endpoint: Type.Optional(Endpoint),
          /** Pinned key; a bootstrap node that presents another key is refused. */
          publicKey: Type.Optional(PublicKey),
          stake: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);

export type NetworkFile = Static<typeof NetworkFileSchema>;

export interface GenesisNode {
  readonly name: string | undefined;
  readonly endpoint: string | undefined;
  readonly publicKey: string | undefined;
  readonly nodeId: string | undefined;
  readonly stake: number;
}

export interface Network {
  readonly networkId: string;
  readonly genesisTime: number;
  readonly epochMs: number;
  readonly params: NetworkParams;
  readonly nodes: readonly GenesisNode[];
  /** The file as loaded, for writing back out and for status pages. */
  readonly file: NetworkFile;
}

const checkNetworkFile = TypeCompiler.Compile(NetworkFileSchema);

/** Validates a parsed network file and derives node ids; throws TM_ERR_NETWORK_FILE_INVALID naming the field. */
export function loadNetwork(crypto: Crypto, value: unknown): Network {
  if (!checkNetworkFile.Check(value)) {
    const first = checkNetworkFile.Errors(value).First();
    throw new TrustMeshError(
      'TM_ERR_NETWORK_FILE_INVALID',
      `${first?.path || '/'}: ${first?.message ?? 'invalid'}`,
    );
  }
  const genesisTime = parseTimestamp(value.genesisTime);
  if (genesisTime === null)
    throw new TrustMeshError('TM_ERR_NETWORK_FILE_INVALID', '/genesisTime: not a real date');
  const seen = new Set<string>();
  let totalStake = 0;
  const nodes = value.nodes.map((node, index): GenesisNode => {
    const where = `/nodes/${index}`;
    if (node.endpoint === undefined && node.publicKey === undefined) {
      throw new TrustMeshError(
        'TM_ERR_NETWORK_FILE_INVALID',
        `${where}: needs an endpoint, a publicKey or both`,
      );
    }
    if (node.stake > 0 && node.publicKey === undefined) {
      throw new TrustMeshError(
        'TM_ERR_NETWORK_FILE_INVALID',
        `${where}: a node with stake needs its publicKey`,
      );
    }
    let nodeId: string | undefined;
    if (node.publicKey !== undefined) {
      const key = fromBase64(node.publicKey, PUBLIC_KEY_BYTES);
      if (key === null)
        throw new TrustMeshError('TM_ERR_NETWORK_FILE_INVALID', `${where}/publicKey: not 32 bytes`);
      nodeId = nodeIdOf(crypto, key);
      if (seen.has(nodeId))
        throw new TrustMeshError('TM_ERR_NETWORK_FILE_INVALID', `${where}: duplicate publicKey`);
      seen.add(nodeId);
    }
    totalStake += node.stake;
    return { name: node.name, endpoint: node.endpoint, publicKey: node.publicKey, nodeId, stake: node.stake };
  });
  if (!Number.isSafeInteger(totalStake)) {
    throw new TrustMeshError('TM_ERR_NETWORK_FILE_INVALID', '/nodes: total stake too large');
  }
  return {
    networkId: value.networkId,
    genesisTime,
    epochMs: value.epochMs,
    params: { ...DEFAULT_PARAMS, ...value.params },
    nodes,
    file: value,
  };
}
