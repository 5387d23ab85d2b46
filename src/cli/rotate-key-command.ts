// `trust-mesh rotate-key`: moves a stopped node to a new key. The rotation is signed by both keys and stored
// in the node's ledger by the engine's own rules; at its next start the node announces it to every peer.
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { readNetworkFile, resolveNetworkPath } from '../config/network-file.js';
import { lockDataDir } from '../node/data-dir-lock.js';
import { rotateStoppedNode } from '../node/offline-rotation.js';
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
      const { oldNodeId, newNodeId, rotation } = rotateStoppedNode(dataDir, network);
      context.out(`Rotated the key of the node in ${dataDir}`);
      context.out(
        `  old node id  ${oldNodeId} (key kept as node-key.${oldNodeId.slice(0, 16)}.retired.json)`,
      );
      context.out(`  new node id  ${newNodeId}`);
      context.out(`  new key      ${rotation.newPublicKey}`);
      context.out('Start the node: it announces the rotation to every peer it connects to.');
    } finally {
      unlock();
    }
  });
}
