// `trust-mesh init`: creates the node key (mode 0600) and a config.json holding the flags given.
import type { Command } from 'commander';
import { getDotted, loadConfig, readConfigFile, setDotted, writeConfigFile } from '../config/load.js';
import { BUILTIN_NETWORKS, readNetworkFile, resolveNetworkPath } from '../config/network-file.js';
import { toBase64 } from '../core/encoding.js';
import { nodeIdOf } from '../core/signing.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { createKey, keyPath } from '../node/key-file.js';
import type { CliContext } from './main.js';
import { addDataDirOption, addSettingOptions, dataDirOf, givenFlags } from './options.js';

export function registerInitCommand(program: Command, context: CliContext): void {
  const command = program
    .command('init')
    .description(
      'create a node key and config.json in the data directory (flags given are saved in config.json)',
    )
    .option('--force', 'replace an existing key and config (the old node identity is lost)');
  addDataDirOption(command);
  addSettingOptions(command);
  command.action(async (options: { force?: boolean }) => {
    const dataDir = dataDirOf(command, context.env);
    const flags = givenFlags(command);
    // Keep what an earlier init wrote, overlay the new flags, and check the result before touching anything.
    const file = options.force ? {} : readConfigFile(dataDir);
    const config = loadConfig({ dataDir, file, env: {}, flags });
    // Saved as checked and typed (ports as numbers, peers as lists), not as the strings the flags arrived in.
    for (const key of Object.keys(flags)) setDotted(file, key, getDotted(config, key));
    if (flags.network !== undefined && !(BUILTIN_NETWORKS as readonly string[]).includes(config.network)) {
      const path = resolveNetworkPath(config.network, process.cwd());
      readNetworkFile(path);
      setDotted(file, 'network', path);
    }
    const keyPair = createKey(dataDir, new Date(), options.force === true);
    const configPath = writeConfigFile(dataDir, file);
    context.out(`Initialised a Trust Mesh node in ${dataDir}`);
    context.out(`  node id     ${nodeIdOf(sodiumCrypto, keyPair.publicKey)}`);
    context.out(`  public key  ${toBase64(keyPair.publicKey)}`);
    context.out(`  key file    ${keyPath(dataDir)} (mode 0600: keep it secret, back it up)`);
    context.out(`  config      ${configPath}`);
    context.out('');
    context.out(
      `Start it with: trust-mesh start --data-dir ${JSON.stringify(dataDir)}   (from a clone: node bin/trust-mesh.js, or npm link)`,
    );
    context.out('To give it voting stake, add its public key to your network file (README, "Networks").');
  });
}
