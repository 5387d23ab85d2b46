// The checks a NODES answer passes before its entries reach a lookup: at most k entries, each one's nodeId the
// hash of its key, a dialable endpoint, no repeats and not this node. Entries failing a check are dropped.
import type { Crypto } from '../crypto.js';
import type { PeerInfo } from '../messages/schemas.js';
import { nodeIdMatchesKey } from '../signing.js';
import { hostOf } from './subnet.js';

export interface NodesTally {
  readonly kept: PeerInfo[];
  /** Past the k an answer may carry. */
  overflow: number;
  /** nodeId not the SHA-256 of the key, or no endpoint with a host. */
  malformed: number;
  duplicate: number;
  self: number;
}

export function checkNodes(
  crypto: Crypto,
  selfId: string,
  nodes: readonly PeerInfo[],
  k: number,
): NodesTally {
  const tally: NodesTally = { kept: [], overflow: 0, malformed: 0, duplicate: 0, self: 0 };
  const seen = new Set<string>();
  for (const [index, node] of nodes.entries()) {
    if (index >= k) {
      tally.overflow++;
      continue;
    }
    // The cheap checks before the hash.
    if (seen.has(node.nodeId)) {
      tally.duplicate++;
      continue;
    }
    seen.add(node.nodeId);
    if (node.nodeId === selfId) {
      tally.self++;
      continue;
    }
    if (!node.endpoints.some((endpoint) => hostOf(endpoint) !== null)) {
      tally.malformed++;
      continue;
    }
    if (!nodeIdMatchesKey(crypto, node.nodeId, node.publicKey)) {
      tally.malformed++;
      continue;
    }
    tally.kept.push(node);
  }
  return tally;
}
