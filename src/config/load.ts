// Resolves a node's configuration: defaults < config.json in the data directory < TRUST_MESH_* env < flags.
// Every value is checked against the settings table; a bad one stops start-up naming its key, source and allowed values.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NodeType } from '../core/engine/types.js';
import { TrustMeshError } from '../core/errors.js';
import type { LogLevel } from '../log.js';
import { SETTINGS, type Setting, type SettingKey } from './settings.js';

export const CONFIG_FILE = 'config.json';

export type Source = 'default' | 'file' | 'env' | 'flag';

/** A bearer token for the bridge API, stored as the SHA-256 of the token, never the token itself. */
export interface ApiToken {
  name: string;
  sha256: string;
  scopes: Array<'read' | 'write'>;
}

export interface Config {
  dataDir: string;
  type: NodeType;
  host: string;
  port: number;
  advertiseHost: string | undefined;
  network: string;
  peers: string[];
  bootstrap: boolean;
  validator: boolean | undefined;
  tls: { cert: string | undefined; key: string | undefined; ca: string | undefined };
  maxInboundPeers: number;
  lightCacheBytes: number;
  storageSync: 'full' | 'normal';
  verifierThreads: number;
  logLevel: LogLevel;
  metrics: { host: string; port: number };
  admin: { port: number };
  api: {
    host: string;
    port: number;
    publicReads: boolean;
    rateLimitPerMinute: number;
    bodyLimitBytes: number;
    tls: { cert: string | undefined; key: string | undefined };
    tokens: ApiToken[];
  };
  sources: Partial<Record<SettingKey, Source>>;
}

type Raw = string | number | boolean | readonly string[];

function describe(setting: Setting): string {
  const type = setting.type;
  switch (type.kind) {
    case 'int':
      return `an integer from ${type.min} to ${type.max}`;
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${type.values.join(', ')}`;
    case 'list':
      return 'a list of strings';
    default:
      return 'a non-empty string';
  }
}

/** Converts a value from any source to the setting's type, or explains why it cannot be. */
function coerce(key: SettingKey, value: unknown, source: Source, flagLabel?: string): Raw {
  const setting: Setting = SETTINGS[key];
  const fail = (): never => {
    const where =
      source === 'env'
        ? setting.env
        : source === 'flag'
          ? (flagLabel ?? `--${setting.flag}`)
          : source === 'file'
            ? CONFIG_FILE
            : 'default';
    throw new TrustMeshError(
      'TM_ERR_CONFIG_INVALID',
      `${key} (from ${where}) must be ${describe(setting)}, got ${JSON.stringify(value)}`,
    );
  };
  const type = setting.type;
  switch (type.kind) {
    case 'int': {
      const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (
        typeof number !== 'number' ||
        !Number.isSafeInteger(number) ||
        number < type.min ||
        number > type.max
      )
        fail();
      return number as number;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1' || value === 'yes') return true;
      if (value === 'false' || value === '0' || value === 'no') return false;
      return fail();
    case 'enum':
      if (typeof value !== 'string' || !type.values.includes(value)) fail();
      return value as string;
    case 'list': {
      const list =
        typeof value === 'string'
          ? value
              .split(',')
              .map((item) => item.trim())
              .filter(Boolean)
          : value;
      if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && item.length > 0)) fail();
      return list as string[];
    }
    default:
      if (typeof value !== 'string' || value.length === 0) fail();
      return value as string;
  }
}

/** Reads a dotted key (`api.port`) from a nested object. */
export function getDotted(object: object, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>(
      (node, part) =>
        node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined,
      object,
    );
}

/** Writes a dotted key into a nested object, creating the objects on the way. */
export function setDotted(object: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = object;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/** Dotted keys present in a parsed config file (leaves only), to reject typos instead of ignoring them. */
function leafKeys(object: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(object).flatMap(([key, value]) => {
    const path = prefix + key;
    if (path === 'api.tokens') return [path];
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? leafKeys(value as Record<string, unknown>, `${path}.`)
      : [path];
  });
}

export function readConfigFile(dataDir: string): Record<string, unknown> {
  const path = join(dataDir, CONFIG_FILE);
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new TrustMeshError('TM_ERR_CONFIG_INVALID', `${path}: ${(error as Error).message}`);
  }
}

export function writeConfigFile(dataDir: string, contents: Record<string, unknown>): string {
  const path = join(dataDir, CONFIG_FILE);
  writeFileSync(path, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
  return path;
}

function parseTokens(value: unknown): ApiToken[] {
  if (value === undefined) return [];
  const valid =
    Array.isArray(value) &&
    value.every(
      (token) =>
        token !== null &&
        typeof token === 'object' &&
        typeof token.name === 'string' &&
        typeof token.sha256 === 'string' &&
        /^[0-9a-f]{64}$/.test(token.sha256) &&
        Array.isArray(token.scopes) &&
        token.scopes.every((scope: unknown) => scope === 'read' || scope === 'write'),
    );
  if (!valid) {
    throw new TrustMeshError(
      'TM_ERR_CONFIG_INVALID',
      `api.tokens (from ${CONFIG_FILE}) must be a list of { name, sha256 (64 hex), scopes: ["read"|"write"] }`,
    );
  }
  return value as ApiToken[];
}

export interface LoadConfigInput {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Flag values by setting key (only flags the user gave). */
  flags?: Partial<Record<SettingKey, unknown>>;
  /** Use this instead of reading config.json (init builds a config before writing it). */
  file?: Record<string, unknown>;
  /** How errors name where `flags` came from when they are not command-line flags (`config set`). */
  flagsLabel?: string;
}

/**
 * Where a relative path setting points: paths written in config.json are relative to the data directory (the
 * file lives there); paths from flags and the environment are relative to the working directory, as a shell
 * user expects.
 */
export function resolveSettingPath(config: Config, key: SettingKey, value: string): string {
  return resolve(config.sources[key] === 'file' ? config.dataDir : process.cwd(), value);
}

export function loadConfig(input: LoadConfigInput): Config {
  const file = input.file ?? readConfigFile(input.dataDir);
  const known = new Set<string>([...Object.keys(SETTINGS), 'api.tokens']);
  for (const key of leafKeys(file)) {
    if (!known.has(key))
      throw new TrustMeshError(
        'TM_ERR_CONFIG_INVALID',
        `unknown setting "${key}" in ${join(input.dataDir, CONFIG_FILE)}`,
      );
  }
  const env = input.env ?? {};
  const values: Record<string, unknown> = {};
  const sources: Partial<Record<SettingKey, Source>> = {};
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const setting: Setting = SETTINGS[key];
    const candidates: Array<[Source, unknown]> = [
      ['flag', input.flags?.[key]],
      ['env', env[setting.env]],
      ['file', getDotted(file, key)],
      ['default', setting.default],
    ];
    const found = candidates.find(
      ([, value]) =>
        value !== undefined && !(typeof value === 'string' && value === '' && setting.type.kind !== 'string'),
    );
    if (found === undefined) continue;
    values[key] = coerce(key, found[1], found[0], input.flagsLabel);
    sources[key] = found[0];
  }
  const nested: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) setDotted(nested, key, value);
  const config = nested as Omit<Config, 'dataDir' | 'sources'> & Record<string, unknown>;
  config.tls = { cert: undefined, key: undefined, ca: undefined, ...(config.tls as object) };
  const api = (config.api ?? {}) as Config['api'];
  api.tls = { cert: undefined, key: undefined, ...(api.tls as object | undefined) };
  api.tokens = parseTokens(getDotted(file, 'api.tokens'));
  config.metrics = { ...(config.metrics as object) } as Config['metrics'];
  config.admin = { ...(config.admin as object) } as Config['admin'];
  const result = { ...config, api, dataDir: input.dataDir, sources } as Config;
  result.advertiseHost ??= undefined;
  result.validator ??= undefined;
  for (const peer of result.peers) {
    if (!/^wss?:\/\/[^\s]+$/.test(peer) || !URL.canParse(peer)) {
      throw new TrustMeshError('TM_ERR_CONFIG_INVALID', `peers: "${peer}" is not a ws:// or wss:// URL`);
    }
  }
  if ((result.tls.cert === undefined) !== (result.tls.key === undefined)) {
    throw new TrustMeshError('TM_ERR_CONFIG_INVALID', 'tls.cert and tls.key must be given together');
  }
  if ((result.api.tls.cert === undefined) !== (result.api.tls.key === undefined)) {
    throw new TrustMeshError('TM_ERR_CONFIG_INVALID', 'api.tls.cert and api.tls.key must be given together');
  }
  return result;
}
