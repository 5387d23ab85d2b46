// `trust-mesh config show | set`: reads and changes a node's config.json without touching its key.
// Values are checked like every other source of settings; paths are stored absolute.
import type { Command } from 'commander';
import { getDotted, loadConfig, readConfigFile, setDotted, writeConfigFile } from '../config/load.js';
import { BUILTIN_NETWORKS, readNetworkFile, resolveNetworkPath } from '../config/network-file.js';
import { SETTINGS, type SettingKey } from '../config/settings.js';
import { TrustMeshError } from '../core/errors.js';
import type { CliContext } from './main.js';
import { addDataDirOption, dataDirOf, existingDataDir } from './options.js';

const PATH_SETTINGS = new Set<string>(['tls.cert', 'tls.key', 'tls.ca', 'api.tls.cert', 'api.tls.key']);

export function registerConfigCommand(program: Command, context: CliContext): void {
  const config = program
    .command('config')
    .description("show or change a node's config.json (its key is left alone)");
  const show = config.command('show').description('print the effective settings and where each comes from');
  addDataDirOption(show);
  show.action(() => {
    const dataDir = dataDirOf(show, context.env);
    const effective = loadConfig({ dataDir, env: context.env });
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      const value = getDotted(effective, key);
      if (value === undefined) continue;
      context.out(`${key.padEnd(24)} ${JSON.stringify(value).padEnd(40)} ${effective.sources[key] ?? ''}`);
    }
    context.out(`${'api.tokens'.padEnd(24)} ${effective.api.tokens.length} token(s)`);
  });
  const set = config
    .command('set <key> <value>')
    .description(`set one setting in config.json (keys: ${Object.keys(SETTINGS).join(', ')})`);
  addDataDirOption(set);
  set.action((key: string, value: string) => {
    const dataDir = existingDataDir(dataDirOf(set, context.env));
    if (!Object.hasOwn(SETTINGS, key)) {
      throw new TrustMeshError(
        'TM_ERR_CONFIG_INVALID',
        `unknown setting "${key}" (known: ${Object.keys(SETTINGS).join(', ')})`,
      );
    }
    const file = readConfigFile(dataDir);
    const checked = loadConfig({
      dataDir,
      file,
      env: {},
      flags: { [key]: key === 'peers' ? value.split(',') : value },
      flagsLabel: 'config set',
    });
    let stored = getDotted(checked, key);
    if (key === 'network' && !(BUILTIN_NETWORKS as readonly string[]).includes(value)) {
      stored = resolveNetworkPath(value, process.cwd());
      readNetworkFile(stored as string);
    } else if (PATH_SETTINGS.has(key)) {
      stored = resolveNetworkPath(value, process.cwd());
    }
    setDotted(file, key, stored);
    const path = writeConfigFile(dataDir, file);
    context.out(`${key} = ${JSON.stringify(stored)} in ${path}`);
  });
}
