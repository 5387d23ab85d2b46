// `trust-mesh rotate-key`: moves a stopped node to a new key. The rotation is signed by both keys and stored
// in the node's ledger; at its next start the node announces it to every peer it connects to.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { readNetworkFile, resolveNetworkPath } from '../config/network-file.js';
import { TrustMeshError } from '../core/errors.js';
import { PROTOCOL_VERSION } from '../core/messages/fields.js';
import { signKeyRotation, verifyMessage } from '../core/signing.js';
import { isoTimestamp } from '../core/time.js';
import { markVerified } from '../core/verified.js';
import { createSigner, generateKeyPair, sodiumCrypto } from '../crypto/sodium.js';
import { lockDataDir } from '../node/data-dir-lock.js';
import { loadKey, promotePendingKey, writePendingKey } from '../node/key-file.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { CliContext } from './main.js';
import { addDataDirOption, dataDirOf } from './options.js';

export function registerRotateKeyCommand(program: Command, context: CliContext): void {
  const command = program
    .command('rotate-key')
    .description("replace a stopped node's key; stake and reputation move to the new node id")
    .option('--network <file>', "the node's network file, if not the one in its config");
  addDataDirOption(command);
  command.action((options: { network?: string }) => {
    const dataDir = dataDirOf(command, context.env);
    const unlock = lockDataDir(dataDir);
    try {
      const flags = options.network === undefined ? {} : { network: options.network };
      const config = loadConfig({ dataDir, env: context.env, flags });
      const network = readNetworkFile(
        resolveNetworkPath(config.network, options.network === undefined ? dataDir : process.cwd()),
      );
      const retired = loadKey(dataDir);
      const next = generateKeyPair();
      const oldSigner = createSigner(retired);
      const newSigner = createSigner(next);
      const now = Date.now();
      const rotation = signKeyRotation(oldSigner, newSigner, network.networkId, {
        type: 'KEY_ROTATION',
        version: PROTOCOL_VERSION,
        id: randomUUID(),
        timestamp: isoTimestamp(now),
        origin: oldSigner.nodeId,
        originKey: oldSigner.publicKey,
        priority: 'CRITICAL',
        newNodeId: newSigner.nodeId,
        newPublicKey: newSigner.publicKey,
      });
      if (verifyMessage(sodiumCrypto, network.networkId, rotation).kind !== 'accept') {
        throw new TrustMeshError('TM_ERR_ROTATION_INVALID', 'the new rotation does not verify');
      }
      // Pending key on disk, then the rotation in the ledger, then the key swap: a crash anywhere leaves an
      // identity the next start can finish (see TrustMeshNode.finishKeyRotation).
      writePendingKey(dataDir, next, new Date(now));
      const store = SqliteStore.open(join(dataDir, 'trust-mesh.db'), { crypto: sodiumCrypto });
      try {
        store.transaction(() => store.append(markVerified(rotation)));
      } finally {
        store.close();
      }
      promotePendingKey(dataDir, retired, new Date(now));
      context.out(`Rotated the key of the node in ${dataDir}`);
      context.out(
        `  old node id  ${oldSigner.nodeId} (key kept as node-key.${oldSigner.nodeId.slice(0, 16)}.retired.json)`,
      );
      context.out(`  new node id  ${newSigner.nodeId}`);
      context.out(`  new key      ${newSigner.publicKey}`);
      context.out('Start the node: it announces the rotation to every peer it connects to.');
    } finally {
      unlock();
    }
  });
}
