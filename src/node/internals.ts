// A node's parts for tests and benchmarks that must look inside (peer sessions, the engine's registry, storage).
// Not exported from the package: embedders use the TrustMeshNode facade.
import type { MeshEngine } from '../core/engine/engine.js';
import type { Discovery } from '../net/kad/discovery.js';
import type { PeerManager } from '../net/peers/peer-manager.js';
import type { NodeStore } from '../store/interface.js';
import type { InboundPath } from './inbound.js';
import type { TrustMeshNode } from './node.js';
import type { PeerJudge } from './peer-judge.js';
import type { NodeSync } from './sync/syncer.js';

export interface NodeInternals {
  readonly engine: MeshEngine;
  readonly peers: PeerManager;
  readonly store: NodeStore;
  readonly discovery: Discovery;
  readonly sync: NodeSync | null;
  /** Messages read and waiting to be handled. */
  readonly inbound: InboundPath;
  /** Peer scores, including those of peers already disconnected. */
  readonly judge: PeerJudge;
}

export function internals(node: TrustMeshNode): NodeInternals {
  return (node as unknown as { parts: NodeInternals }).parts;
}
