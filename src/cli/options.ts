// Turns the settings table into commander options, and reads back only the flags the user actually gave.
// Flags win over env and file, so unset flags must stay undefined rather than carrying commander defaults.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { SETTINGS, type Setting, type SettingKey } from '../config/settings.js';
import { TrustMeshError } from '../core/errors.js';

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());

export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  return resolve(env.TRUST_MESH_DATA_DIR ?? join(homedir(), '.trust-mesh'));
}

export function addDataDirOption(command: Command): Command {
  return command.option(
    '-d, --data-dir <dir>',
    'node data directory (key, config.json, database) [env TRUST_MESH_DATA_DIR, default ~/.trust-mesh]',
  );
}

/** Adds one flag per setting, with its environment variable named in the help. */
export function addSettingOptions(command: Command): Command {
  for (const [key, raw] of Object.entries(SETTINGS)) {
    const setting: Setting = raw;
    const help = `${setting.help} [env ${setting.env}${setting.default === undefined ? '' : `, default ${JSON.stringify(setting.default)}`}]`;
    if (setting.type.kind === 'bool') {
      command.addOption(new Option(`--${setting.flag}`, help));
      command.addOption(new Option(`--no-${setting.flag}`, `turn off --${setting.flag}`));
    } else if (setting.type.kind === 'list') {
      command.addOption(
        new Option(`--${setting.flag} <value>`, help).argParser(
          (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
        ),
      );
    } else {
      const option = new Option(`--${setting.flag} <value>`, help);
      if (setting.type.kind === 'enum') option.choices(setting.type.values);
      command.addOption(option);
    }
    void key;
  }
  return command;
}

/** Flags given on the command line, by setting key; values stay strings for the loader to check. */
export function givenFlags(command: Command): Partial<Record<SettingKey, unknown>> {
  const flags: Partial<Record<SettingKey, unknown>> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as Array<[SettingKey, Setting]>) {
    const name = camel(setting.flag);
    if (command.getOptionValueSource(name) === 'cli') flags[key] = command.getOptionValue(name);
  }
  return flags;
}

export function dataDirOf(command: Command, env: NodeJS.ProcessEnv): string {
  const given = command.getOptionValue('dataDir') as string | undefined;
  return given === undefined ? defaultDataDir(env) : resolve(given);
}

/** A data directory that must already exist (made by `init`): a typo then fails here instead of writing elsewhere. */
export function existingDataDir(dataDir: string): string {
  if (existsSync(dataDir) && statSync(dataDir).isDirectory()) return dataDir;
  throw new TrustMeshError(
    'TM_ERR_CONFIG_INVALID',
    `no data directory at ${dataDir} (from --data-dir, TRUST_MESH_DATA_DIR or the default ~/.trust-mesh): ` +
      `create it with \`trust-mesh init --data-dir ${dataDir}\` or point --data-dir at an initialised node`,
  );
}
