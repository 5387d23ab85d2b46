// Helpers for sync tests: waiting until what nodes hold lies in closed blocks (sync covers closed blocks only).
// The wait is on the wall clock, which is what decides when a block closes.
import type { LedgerEntry } from '../../src/core/messages/schemas.js';
import { blockHeightOf } from '../../src/core/sync/blocks.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { waitFor } from './mesh.js';

/** Waits (by the wall clock) until every entry a node holds is in a closed block, with no grace. */
export async function blocksClosed(node: TrustMeshNode, epochMs: number, genesisTime: number): Promise<void> {
  const entries = node.entriesSince(0, 1000).map((row) => row.entry as LedgerEntry);
  const last = Math.max(...entries.map((entry) => blockHeightOf({ genesisTime, epochMs }, entry) ?? 0));
  await waitFor(() => Date.now() >= genesisTime + (last + 1) * epochMs + 20, 5_000, 'blocks closed');
}
