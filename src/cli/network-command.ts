// `trust-mesh network create | show`: writes and inspects network files (the genesis every member shares).
// Members are given by data directory (their key is read) or by public key, with stake and endpoint.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { readNetworkFile } from '../config/network-file.js';
import { TrustMeshError } from '../core/errors.js';
import { loadNetwork, type NetworkFile } from '../core/network.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { KEY_FILE } from '../node/key-file.js';
import type { CliContext } from './main.js';

type Member = NetworkFile['nodes'][number];

/** `key=<base64 key | data dir>,stake=<n>,endpoint=<wss://…>,name=<text>`; only key or endpoint is required. */
export function parseMember(spec: string): Member {
  const fields = Object.fromEntries(
    spec.split(',').map((part) => {
      const at = part.indexOf('=');
      if (at < 1) throw new InvalidArgumentError(`"${part}" is not key=value`);
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
    }),
  );
  for (const key of Object.keys(fields)) {
    if (!['key', 'stake', 'endpoint', 'name'].includes(key))
      throw new InvalidArgumentError(`unknown member field "${key}"`);
  }
  const member: Member = { stake: fields.stake === undefined ? 0 : Number(fields.stake) };
  if (!Number.isSafeInteger(member.stake) || member.stake < 0)
    throw new InvalidArgumentError('stake must be a non-negative integer');
  if (fields.name) member.name = fields.name;
  if (fields.endpoint) member.endpoint = fields.endpoint;
  if (fields.key) {
    const isDir = existsSync(fields.key) && statSync(fields.key).isDirectory();
    if (isDir && !existsSync(join(fields.key, KEY_FILE)))
      throw new TrustMeshError(
        'TM_ERR_KEY_MISSING',
        `--member key=${fields.key}: that data directory has no ${KEY_FILE}; run \`trust-mesh init --data-dir ${fields.key}\` first`,
      );
    member.publicKey = isDir
      ? (JSON.parse(readFileSync(join(fields.key, KEY_FILE), 'utf8')) as { publicKey: string }).publicKey
      : fields.key;
  }
  return member;
}

export function registerNetworkCommand(program: Command, context: CliContext): void {
  const network = program.command('network').description('create and inspect network files');
  network
    .command('create')
    .description('write a network file for a private mesh')
    .requiredOption('--id <networkId>', 'network id ([a-z0-9._-], shared by every member)')
    .requiredOption('-o, --out <file>', 'where to write the network file')
    .option(
      '--member <spec>',
      'key=<base64|data dir>,stake=<n>,endpoint=<wss://…>,name=<text> (repeat)',
      (value: string, list: Member[] = []) => [...list, parseMember(value)],
    )
    .option('--epoch-ms <ms>', 'block (epoch) length in ms', '60000')
    .option('--proposal-timeout-ms <ms>', 'proposal deadline in ms')
    .option('--force', 'overwrite an existing file')
    .action(
      (options: {
        id: string;
        out: string;
        member?: Member[];
        epochMs: string;
        proposalTimeoutMs?: string;
        force?: boolean;
      }) => {
        if (existsSync(options.out) && !options.force) {
          throw new TrustMeshError(
            'TM_ERR_NETWORK_FILE_INVALID',
            `${options.out} exists; pass --force to overwrite it`,
          );
        }
        const file: NetworkFile = {
          networkId: options.id,
          genesisTime: new Date().toISOString(),
          epochMs: Number(options.epochMs),
          params:
            options.proposalTimeoutMs === undefined
              ? {}
              : { proposalTimeoutMs: Number(options.proposalTimeoutMs) },
          nodes: options.member ?? [],
        };
        const loaded = loadNetwork(sodiumCrypto, file);
        writeFileSync(options.out, `${JSON.stringify(file, null, 2)}\n`);
        const stake = loaded.nodes.reduce((sum, node) => sum + node.stake, 0);
        context.out(
          `Wrote ${options.out}: network ${file.networkId}, ${file.nodes.length} members, total stake ${stake}`,
        );
        if (stake === 0) context.out('No member has stake: no update can reach a quorum until some do.');
      },
    );
  network
    .command('show <file>')
    .description('validate a network file and list its members')
    .action((path: string) => {
      const loaded = readNetworkFile(path);
      const total = loaded.nodes.reduce((sum, node) => sum + node.stake, 0);
      context.out(
        `network ${loaded.networkId}, genesis ${new Date(loaded.genesisTime).toISOString()}, epoch ${loaded.epochMs} ms`,
      );
      context.out(`params ${JSON.stringify(loaded.params)}`);
      for (const node of loaded.nodes) {
        const share = total > 0 ? `${((100 * node.stake) / total).toFixed(1)}%` : '-';
        context.out(
          `  ${(node.name ?? '').padEnd(12)} stake ${String(node.stake).padStart(6)} (${share.padStart(6)})  ${node.nodeId ?? '(no key pinned)'}  ${node.endpoint ?? ''}`,
        );
      }
    });
}
