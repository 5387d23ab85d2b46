// `trust-mesh submit | revoke | get | status | peers | watch`: the bridge API from the shell (TrustMeshClient).
// Results print for people on a terminal, as JSON with --json or into a pipe; failures print `trust-mesh: CODE: …`.
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { NodeStatus, TrustRecord, UpdateStatus } from '../api/schemas.js';
import { TrustMeshApiError, TrustMeshClient } from '../client/client.js';
import { MAX_TRUST_SCORE, MIN_TRUST_SCORE } from '../core/consensus/judge.js';
import { TrustMeshError } from '../core/errors.js';
import { TRUST_EVENTS, type TrustEvent } from '../core/messages/fields.js';
import { formatEvent, formatPeers, formatRecord, formatStatus, formatUpdate } from './human-output.js';
import type { CliContext } from './main.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:8081';

interface ApiFlags {
  api?: string;
  token?: string;
  timeout: number;
  json?: boolean;
}

const positiveInt = (what: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0)
    throw new InvalidArgumentError(`${what} must be a whole number`);
  return number;
};

/**
 * --score is checked here too, so a typo is answered in the CLI's words (--score) before any request; validators
 * still judge every score on their own.
 */
const score = (value: string) => {
  const number = Number(value);
  if (
    value.trim() === '' ||
    !Number.isInteger(number) ||
    number < MIN_TRUST_SCORE ||
    number > MAX_TRUST_SCORE
  )
    throw new InvalidArgumentError(`must be a whole number from ${MIN_TRUST_SCORE} to ${MAX_TRUST_SCORE}`);
  return number;
};

/**
 * A bridge address as people type it: `127.0.0.1:8081` or `localhost:8081` means http://; anything else must be
 * an http:// or https:// URL.
 */
export function apiUrl(value: string, from: string): string {
  const trimmed = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  const parsed = URL.canParse(withScheme) ? new URL(withScheme) : null;
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.host === '')
    throw new TrustMeshError(
      'TM_ERR_CONFIG_INVALID',
      `${from} must be the bridge API's address, such as ${DEFAULT_API_URL} or 127.0.0.1:8081; got ${JSON.stringify(value)}`,
    );
  return withScheme.replace(/\/+$/, '');
}

function withApiOptions(command: Command): Command {
  return command
    .option(
      '--api <url>',
      `bridge API address, http(s)://host:port or host:port [env TRUST_MESH_API, default ${DEFAULT_API_URL}]`,
    )
    .option('--token <token>', 'bearer token from `trust-mesh token create` [env TRUST_MESH_TOKEN]')
    .option('--timeout <ms>', 'time limit per request, in ms', positiveInt('--timeout'), 10_000)
    .option('--json', "print the API's JSON (the default when stdout is not a terminal)");
}

function clientOf(flags: ApiFlags, context: CliContext): TrustMeshClient {
  const token = flags.token ?? context.env.TRUST_MESH_TOKEN;
  const baseUrl =
    flags.api !== undefined
      ? apiUrl(flags.api, '--api')
      : context.env.TRUST_MESH_API
        ? apiUrl(context.env.TRUST_MESH_API, 'TRUST_MESH_API')
        : DEFAULT_API_URL;
  return new TrustMeshClient({ baseUrl, ...(token ? { token } : {}), timeoutMs: flags.timeout });
}

/** What to do about an error, in the CLI's words, when the API's own message does not say. */
function hintFor(error: TrustMeshApiError, flags: ApiFlags, context: CliContext): string {
  if (error.code !== 'TM_ERR_UNAUTHORIZED') return '';
  const given = flags.token ?? context.env.TRUST_MESH_TOKEN;
  return given
    ? ' (the bridge does not know this token: check --token or TRUST_MESH_TOKEN, or make one with `trust-mesh token create`)'
    : ' (no token given: pass --token <token> or set TRUST_MESH_TOKEN; make one with `trust-mesh token create`)';
}

/** Said on stderr when `submit --wait` ends without a quorum: usually too little stake is online to reach one. */
function expiryHint(settled: UpdateStatus): string | null {
  if (settled.status !== 'rejected' || settled.rejection !== 'TM_ERR_PROPOSAL_EXPIRED') return null;
  const { acceptWeight, totalStake, votes } = settled.tally;
  return (
    `trust-mesh: the update expired without a majority: ${votes} vote(s), accepting stake ${acceptWeight} of ` +
    `${totalStake} (more than half is needed). Are enough validators online and connected to this bridge? ` +
    '`trust-mesh status` shows its peers.'
  );
}

/** Runs one client call; API errors become one line on stderr and exit code 1. */
async function run<T extends ApiFlags>(
  context: CliContext,
  flags: T,
  work: (client: TrustMeshClient) => Promise<unknown>,
): Promise<void> {
  try {
    const result = await work(clientOf(flags, context));
    if (result === undefined) return;
    context.out(flags.json || context.tty !== true ? JSON.stringify(result, null, 2) : forPeople(result));
  } catch (error) {
    if (!(error instanceof TrustMeshApiError)) throw error;
    context.err(
      `trust-mesh: ${error.message}${error.field ? ` (field: ${error.field})` : ''}${hintFor(error, flags, context)}`,
    );
    context.exitCode = 1;
  }
}

export function registerClientCommands(program: Command, context: CliContext): void {
  const submit = withApiOptions(
    program
      .command('submit')
      .description(
        'submit a verification event to a bridge (becomes a trust update once validators commit it)',
      )
      .requiredOption('--agent <id>', 'agent id')
      .requiredOption('--principal <id>', 'principal id')
      .requiredOption('--score <0-1000>', 'trust score', score)
      .addOption(
        new Option('--event <event>', 'what happened').choices(TRUST_EVENTS).default('VERIFICATION_SUCCESS'),
      )
      .option(
        '--wait',
        'wait until the update is committed or rejected (exit 1 when rejected, or with TM_ERR_CLIENT_TIMEOUT ' +
          'when --wait-timeout passes first: the update may still commit)',
      )
      .option('--wait-timeout <ms>', 'how long --wait waits', positiveInt('--wait-timeout'), 30_000),
  );
  submit.action(
    (
      flags: ApiFlags & {
        agent: string;
        principal: string;
        score: number;
        event: TrustEvent;
        wait?: boolean;
        waitTimeout: number;
      },
    ) =>
      run(context, flags, async (client) => {
        const submitted = await client.submitEvent({
          agentId: flags.agent,
          principalId: flags.principal,
          trustScore: flags.score,
          event: flags.event,
        });
        if (!flags.wait) return submitted;
        const settled = await client.waitForUpdate(submitted.id, { timeoutMs: flags.waitTimeout });
        if (settled.status === 'rejected') context.exitCode = 1;
        const hint = expiryHint(settled);
        if (hint !== null) context.err(hint);
        return settled;
      }),
  );

  const revoke = withApiOptions(
    program
      .command('revoke')
      .description('revoke an agent for a principal (applied at once, propagated to every node)')
      .requiredOption('--agent <id>', 'agent id')
      .requiredOption('--principal <id>', 'principal id')
      .requiredOption('--reason <text>', 'why, e.g. compromised'),
  );
  revoke.action((flags: ApiFlags & { agent: string; principal: string; reason: string }) =>
    run(context, flags, (client) =>
      client.revoke({ agentId: flags.agent, principalId: flags.principal, reason: flags.reason }),
    ),
  );

  const get = withApiOptions(
    program
      .command('get')
      .description(
        "read a trust record (--agent and --principal), an agent's records (--agent) or an update (--update)",
      )
      .option('--agent <id>', 'agent id')
      .option('--principal <id>', 'principal id')
      .option('--update <id>', 'an update id returned by submit')
      .option('--history', "the record's history instead (with --agent and --principal)")
      .option('--offset <n>', 'history: skip this many items', positiveInt('--offset'))
      .option('--limit <n>', 'history: at most this many items', positiveInt('--limit')),
  );
  get.action(
    (
      flags: ApiFlags & {
        agent?: string;
        principal?: string;
        update?: string;
        history?: boolean;
        offset?: number;
        limit?: number;
      },
    ) =>
      run(context, flags, async (client) => {
        if (flags.update !== undefined)
          return (await client.update(flags.update)) ?? notFound(`update ${flags.update}`);
        const { agent, principal } = flags;
        if (agent === undefined)
          return get.error('trust-mesh get: give --agent (and --principal), or --update');
        if (principal === undefined) {
          const records = await client.agent(agent);
          return records.length > 0 ? records : notFound(`records of agent ${agent}`);
        }
        if (flags.history) {
          return client.history(agent, principal, {
            ...(flags.offset === undefined ? {} : { offset: flags.offset }),
            ...(flags.limit === undefined ? {} : { limit: flags.limit }),
          });
        }
        return (await client.record(agent, principal)) ?? notFound(`record ${agent}/${principal}`);
      }),
  );

  const status = withApiOptions(
    program.command('status').description("a node's status (a bridge, or any node's --admin-port)"),
  );
  status.action((flags: ApiFlags) => run(context, flags, (client) => client.status()));

  const peers = withApiOptions(
    program.command('peers').description("a node's connected peers (a bridge, or any node's --admin-port)"),
  );
  peers.action((flags: ApiFlags) =>
    run(context, flags, async (client) => {
      const list = await client.peerList();
      if (flags.json || context.tty !== true) return list;
      context.out(formatPeers(list.peers));
      if (list.routing !== undefined) {
        const fill = list.routing.buckets.map((bucket) => `${bucket.index}:${bucket.size}`).join(' ');
        context.out(`routing table: ${list.routing.size} nodes (bucket:size ${fill || 'none'})`);
      }
      return undefined;
    }),
  );

  const watch = withApiOptions(
    program
      .command('watch')
      .description("follow a bridge's change stream: commits, revocations and other critical events, live")
      .option(
        '--from <seq>',
        'replay the changes after this seq first (0: from the first)',
        positiveInt('--from'),
      )
      .option('--count <n>', 'stop after this many changes', positiveInt('--count')),
  );
  watch.action((flags: ApiFlags & { from?: number; count?: number }) =>
    run(context, flags, async (client) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let seen = 0;
      try {
        if (flags.count === 0) return undefined;
        for await (const change of client.stream({
          signal: stop.signal,
          ...(flags.from === undefined ? {} : { lastEventId: flags.from }),
        })) {
          // One line per change either way: NDJSON for scripts, a summary line for people.
          context.out(flags.json || context.tty !== true ? JSON.stringify(change) : formatEvent(change));
          seen++;
          if (flags.count !== undefined && seen >= flags.count) break;
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      return undefined;
    }),
  );
}

/** The human form of whatever a client command got back, told apart by its shape. */
function forPeople(result: unknown): string {
  const has = (key: string) => typeof result === 'object' && result !== null && key in result;
  if (Array.isArray(result)) return result.map((item) => forPeople(item)).join('\n\n');
  if (has('tally')) return formatUpdate(result as UpdateStatus);
  if (has('updateHistory')) return formatRecord(result as TrustRecord);
  if (has('uptimeMs')) return formatStatus(result as NodeStatus);
  return JSON.stringify(result, null, 2);
}

function notFound(what: string): never {
  throw new TrustMeshApiError('TM_ERR_NOT_FOUND', `no ${what}`, 404);
}
