// A fuzzing world: one receiving engine on a MemoryLedger, its network's signers, and a valid sample of every type.
// Fuzz properties mutate these samples; each sample is checked to decode, so a mutation starts from a real message.
import { PROTOCOL_VERSION } from '../../src/core/messages/fields.js';
import type {
  Handshake,
  Message,
  MessageType,
  PeerAnnounce,
  QueryResult,
  SyncBlock,
  TrustUpdate,
  Vote,
} from '../../src/core/messages/schemas.js';
import { type Signer, signMessage } from '../../src/core/signing.js';
import { isoTimestamp } from '../../src/core/time.js';
import { EngineMesh, type TestEngine } from './engines.js';
import { EntryMaker } from './entries.js';
import { CountingEntropy, testSigner } from './fixtures.js';

/** Stakes of test keys 0–4: four validators and one member without stake (a blacklisting target). */
export const FUZZ_STAKES = [10, 10, 10, 10, 0] as const;
/** Test keys that are not members of the network. */
export const OUTSIDER = 7;
export const ROTATION_TARGET = 8;

export interface FuzzWorld {
  readonly mesh: EngineMesh;
  readonly receiver: TestEngine;
  readonly maker: EntryMaker;
  /** The receiver's own open proposal, which votes in the samples answer. */
  readonly ownProposal: TrustUpdate;
  /** One valid message of every type, by type (several for the signed ones). */
  readonly samples: ReadonlyMap<MessageType, readonly Message[]>;
  /** Every id a registry snapshot looks at: members, successors, outsiders. */
  readonly knownIds: readonly string[];
}

const digest = 'ab'.repeat(32);

export function createFuzzWorld(): FuzzWorld {
  const mesh = new EngineMesh({ stakes: FUZZ_STAKES, engines: [0] });
  const receiver = mesh.nodes[0]!;
  const peers = [1, 2, 3, 4, OUTSIDER].map((index) => testSigner(index).nodeId);
  receiver.output.setConnected(peers);
  const maker = new EntryMaker({
    network: mesh.network,
    clock: mesh.clock,
    entropy: new CountingEntropy('f'),
  });
  const record = receiver.engine.propose({
    agentId: 'agent-own',
    principalId: 'principal-own',
    trustScore: 700,
    event: 'VERIFICATION_SUCCESS',
  });
  const ownProposal = record.update;
  const subject = { agentId: 'agent-1', principalId: 'principal-1' };
  const now = isoTimestamp(mesh.clock.now());
  const outsider = maker.signer(OUTSIDER);

  const announce = (signer: Signer): PeerAnnounce =>
    signMessage<PeerAnnounce>(signer, maker.networkId, {
      type: 'PEER_ANNOUNCE',
      version: PROTOCOL_VERSION,
      id: maker.entropy.messageId(),
      timestamp: now,
      nodeId: signer.nodeId,
      publicKey: signer.publicKey,
      endpoints: ['ws://127.0.0.1:7001/mesh'],
      capabilities: ['FULL_NODE'],
    });
  const vote = (voter: number, update: TrustUpdate): Vote => maker.vote(update, maker.signer(voter));
  // Evidence that breaks a rule: an update with a score no validator accepts, signed by the stakeless member.
  const badUpdate = maker.update(subject, { origin: 4, trustScore: 5000 });
  const commit = maker.commit(subject, { origin: 1, voters: [1, 2, 3] });
  const revocation = maker.revocation(subject, { origin: 2 });
  const handshake: Handshake = {
    type: 'HANDSHAKE',
    version: PROTOCOL_VERSION,
    networkId: maker.networkId,
    nodeId: outsider.nodeId,
    publicKey: outsider.publicKey,
    capabilities: ['FULL_NODE'],
    nonce: Buffer.alloc(32, 7).toString('base64'),
    endpoints: [],
    agent: 'fuzz/1',
  };
  const block: SyncBlock = {
    type: 'SYNC_BLOCK',
    version: PROTOCOL_VERSION,
    id: 'sync-4',
    height: 12,
    part: 'commits',
    offset: 0,
    entries: [commit],
    next: 1,
    root: digest,
    criticalRoot: digest,
    commitRoot: digest,
    criticalCount: 0,
    commitCount: 2,
  };
  const queryResult: QueryResult = {
    type: 'QUERY_RESULT',
    version: PROTOCOL_VERSION,
    id: 'q-1',
    entries: [commit, revocation],
    next: '2',
  };
  const link = { version: PROTOCOL_VERSION } as const;
  const samples = new Map<MessageType, Message[]>([
    ['HANDSHAKE', [handshake]],
    ['HANDSHAKE_ACK', [{ type: 'HANDSHAKE_ACK', ...link, signature: commit.signature }]],
    ['PING', [{ type: 'PING', ...link, timestamp: now }]],
    ['PONG', [{ type: 'PONG', timestamp: now }]],
    ['TRUST_UPDATE', [maker.update(subject, { origin: 2, trustScore: 640 }), badUpdate]],
    ['VOTE', [vote(1, ownProposal), vote(2, ownProposal), vote(3, maker.update(subject, { origin: 1 }))]],
    ['COMMIT', [commit, maker.commit({ agentId: 'agent-2', principalId: 'p' }, { origin: 3 })]],
    ['REVOCATION', [revocation]],
    ['KEY_ROTATION', [maker.keyRotation(3, ROTATION_TARGET)]],
    ['SECURITY_ALERT', [maker.alert(1, 'agent-x misbehaves')]],
    [
      'BLACKLIST',
      [
        signMessage(maker.signer(2), maker.networkId, {
          type: 'BLACKLIST',
          version: PROTOCOL_VERSION,
          id: maker.entropy.messageId(),
          timestamp: now,
          origin: maker.signer(2).nodeId,
          originKey: maker.signer(2).publicKey,
          priority: 'CRITICAL',
          offender: maker.signer(4).nodeId,
          reason: 'INVALID_MESSAGE',
          evidence: [badUpdate as unknown as Record<string, unknown>],
        }),
      ],
    ],
    ['PEER_ANNOUNCE', [announce(outsider), announce(maker.signer(1))]],
    ['FIND_NODE', [{ type: 'FIND_NODE', ...link, id: 'find-1', target: outsider.nodeId }]],
    [
      'NODES',
      [
        {
          type: 'NODES',
          ...link,
          id: 'find-1',
          nodes: [
            {
              nodeId: outsider.nodeId,
              publicKey: outsider.publicKey,
              endpoints: ['wss://example.test/mesh'],
              capabilities: ['FULL_NODE', 'VALIDATOR'],
            },
          ],
        },
      ],
    ],
    ['PRUNE', [{ type: 'PRUNE', ...link, origin: badUpdate.origin }]],
    ['IHAVE', [{ type: 'IHAVE', ...link, ids: [`${badUpdate.id}:${badUpdate.payload.signature}`] }]],
    ['GRAFT', [{ type: 'GRAFT', ...link, ids: [`${badUpdate.id}:${badUpdate.payload.signature}`] }]],
    ['SYNC_STATUS_REQUEST', [{ type: 'SYNC_STATUS_REQUEST', ...link, id: 'sync-1' }]],
    [
      'SYNC_STATUS',
      [
        {
          type: 'SYNC_STATUS',
          ...link,
          id: 'sync-1',
          latestHeight: 11,
          summaryRoot: digest,
          entryCount: 4,
          state: 'synced',
        },
      ],
    ],
    [
      'SYNC_ROOTS_REQUEST',
      [{ type: 'SYNC_ROOTS_REQUEST', ...link, id: 'sync-2', top: 11, level: 0, indexes: [0, 11] }],
    ],
    [
      'SYNC_ROOTS',
      [{ type: 'SYNC_ROOTS', ...link, id: 'sync-2', top: 11, level: 0, roots: [digest, digest] }],
    ],
    [
      'SYNC_BLOCK_REQUEST',
      [{ type: 'SYNC_BLOCK_REQUEST', ...link, id: 'sync-4', height: 12, part: 'critical', offset: 0 }],
    ],
    ['SYNC_BLOCK', [block]],
    [
      'SYNC_REFUSED',
      [
        {
          type: 'SYNC_REFUSED',
          ...link,
          id: 'sync-5',
          code: 'TM_ERR_SYNC_HEIGHT_IMPLAUSIBLE',
          latestHeight: 11,
        },
      ],
    ],
    [
      'QUERY',
      [
        { type: 'QUERY', ...link, id: 'q-1', agentId: subject.agentId },
        { type: 'QUERY', ...link, id: 'q-2', agentId: subject.agentId, principalId: 'x', cursor: '1' },
      ],
    ],
    ['QUERY_RESULT', [queryResult]],
  ]);
  const knownIds = [0, 1, 2, 3, 4, OUTSIDER, ROTATION_TARGET].map((index) => testSigner(index).nodeId);
  return { mesh, receiver, maker, ownProposal, samples, knownIds };
}

/** Everything a message could change in an engine, as one comparable string. */
export function engineSnapshot(world: FuzzWorld): string {
  const { engine, ledger } = world.receiver;
  const { registry } = engine;
  const at = world.mesh.clock.now();
  return JSON.stringify({
    size: ledger.size(),
    stateHash: ledger.stateHash(),
    validators: registry.validators(),
    totalStake: registry.totalActiveStake(),
    ids: world.knownIds.map((id) => [
      registry.isMember(id),
      registry.isBlacklisted(id),
      registry.currentId(id),
      registry.keyInForce(id, at),
    ]),
    announces: engine.announces.size,
    pending: engine.pendingProposals,
    ownProposal: engine.proposalStatus(world.ownProposal.id),
    nodeId: engine.nodeId,
  });
}
