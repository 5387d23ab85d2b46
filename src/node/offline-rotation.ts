// Key rotation for a node that is not running (`trust-mesh rotate-key`): the same engine rules as online — the
// rotation is made, checked and stored by MeshEngine.rotateKey — with no peers to tell until the next start.
import { join } from 'node:path';
import type { KeyPair } from '../core/crypto.js';
import { MeshEngine } from '../core/engine/engine.js';
import type { EngineOutput } from '../core/engine/types.js';
import type { KeyRotation } from '../core/messages/schemas.js';
import type { Network } from '../core/network.js';
import type { Clock } from '../core/time.js';
import type { Verified } from '../core/verified.js';
import { createSigner, generateKeyPair, sodiumCrypto } from '../crypto/sodium.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { finishPendingRotation, loadKey, promotePendingKey, writePendingKey } from './key-file.js';
import { systemClock, systemEntropy } from './modules.js';

/** A node with no connections: whatever the engine sends goes nowhere (peers hear it at the next start). */
const NO_PEERS: EngineOutput = {
  send: () => false,
  broadcast: () => {},
  isConnected: () => false,
  disconnect: () => {},
};

export interface OfflineRotation {
  readonly rotation: Verified<KeyRotation>;
  readonly oldNodeId: string;
  readonly newNodeId: string;
}

/**
 * Rotates the key of the stopped node in `dataDir` (the caller holds its lock). Pending key on disk, then the
 * rotation in the ledger, then the key swap: a crash anywhere leaves an identity the next start finishes.
 */
export function rotateStoppedNode(
  dataDir: string,
  network: Network,
  next: KeyPair = generateKeyPair(),
  clock: Clock = systemClock,
): OfflineRotation {
  const store = SqliteStore.open(join(dataDir, 'trust-mesh.db'), { crypto: sodiumCrypto });
  try {
    const current = finishPendingRotation(dataDir, store, loadKey(dataDir), new Date(clock.now()));
    const engine = new MeshEngine(
      { network, signer: createSigner(current), nodeType: 'full', votes: false, endpoints: [] },
      {
        crypto: sodiumCrypto,
        clock,
        entropy: systemEntropy,
        ledger: store,
        proposals: store,
        output: NO_PEERS,
      },
    );
    const oldNodeId = engine.nodeId;
    writePendingKey(dataDir, next, new Date(clock.now()));
    const rotation = store.transaction(() => engine.rotateKey(createSigner(next)));
    promotePendingKey(dataDir, current, new Date(clock.now()));
    return { rotation, oldNodeId, newNodeId: rotation.newNodeId };
  } finally {
    store.close();
  }
}
