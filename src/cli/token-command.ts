// `trust-mesh token create | list | revoke`: bridge API tokens in config.json (api.tokens), applied by a running
// bridge at once. A new token is printed once, alone on stdout (for `$(…)`); only its hash is kept.
import { mkdirSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { createToken, type Scope } from '../api/auth.js';
import { type ApiToken, loadConfig, readConfigFile, setDotted, writeConfigFile } from '../config/load.js';
import { TrustMeshError } from '../core/errors.js';
import type { CliContext } from './main.js';
import { addDataDirOption, dataDirOf, existingDataDir } from './options.js';

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

function parseScopes(value: string): Scope[] {
  const scopes = value.split(',').map((scope) => scope.trim());
  if (scopes.length === 0 || !scopes.every((scope): scope is Scope => scope === 'read' || scope === 'write'))
    throw new InvalidArgumentError('scopes are a comma-separated list of read and write');
  return scopes;
}

function parseName(value: string): string {
  if (!NAME.test(value)) throw new InvalidArgumentError('1-64 letters, digits, dots, dashes or underscores');
  return value;
}

/** The stored tokens, after checking the whole file still loads (never write a config the node would refuse). */
function tokensOf(dataDir: string, file: Record<string, unknown>): ApiToken[] {
  return loadConfig({ dataDir, file, env: {} }).api.tokens;
}

function save(dataDir: string, file: Record<string, unknown>, tokens: ApiToken[]): string {
  setDotted(file, 'api.tokens', tokens);
  tokensOf(dataDir, file);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return writeConfigFile(dataDir, file);
}

export function registerTokenCommand(program: Command, context: CliContext): void {
  const token = program
    .command('token')
    .description("manage the bridge API's bearer tokens (config.json api.tokens)");

  const create = token
    .command('create')
    .description('make a new random token; prints it once (only its SHA-256 is stored)')
    .requiredOption('--name <name>', 'a label for the token, unique in this data directory', parseName)
    .addOption(
      new Option('--scopes <list>', 'comma-separated: read, write')
        .argParser(parseScopes)
        .default(['read'] as Scope[], 'read'),
    );
  addDataDirOption(create);
  create.action((options: { name: string; scopes: Scope[] }) => {
    const dataDir = existingDataDir(dataDirOf(create, context.env));
    const file = readConfigFile(dataDir);
    const tokens = tokensOf(dataDir, file);
    if (tokens.some((held) => held.name === options.name))
      throw new TrustMeshError(
        'TM_ERR_CONFIG_INVALID',
        `a token named "${options.name}" exists; revoke it first or pick another name`,
      );
    const made = createToken(options.name, options.scopes);
    const path = save(dataDir, file, [...tokens, made.entry]);
    context.out(made.token);
    context.err(
      `token "${options.name}" (scopes: ${made.entry.scopes.join(', ')}) stored as its SHA-256 in ${path}`,
    );
    context.err(
      'It is shown only now: keep it somewhere safe. A running bridge on this data directory takes it at once.',
    );
  });

  const list = token
    .command('list')
    .description('list token names and scopes (the tokens themselves are not kept)');
  addDataDirOption(list);
  list.action(() => {
    const dataDir = existingDataDir(dataDirOf(list, context.env));
    const tokens = tokensOf(dataDir, readConfigFile(dataDir));
    if (tokens.length === 0) context.err('no tokens; make one with `trust-mesh token create --name <name>`');
    for (const held of tokens) context.out(`${held.name}\t${held.scopes.join(',')}`);
  });

  const revoke = token
    .command('revoke')
    .description('delete a token by name (a running bridge stops accepting it at once)')
    .requiredOption('--name <name>', 'the token to delete', parseName);
  addDataDirOption(revoke);
  revoke.action((options: { name: string }) => {
    const dataDir = existingDataDir(dataDirOf(revoke, context.env));
    const file = readConfigFile(dataDir);
    const tokens = tokensOf(dataDir, file);
    const kept = tokens.filter((held) => held.name !== options.name);
    if (kept.length === tokens.length)
      throw new TrustMeshError('TM_ERR_NOT_FOUND', `no token named "${options.name}"`);
    const path = save(dataDir, file, kept);
    context.err(`token "${options.name}" removed from ${path}`);
  });
}
