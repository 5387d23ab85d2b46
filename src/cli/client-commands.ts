// `trust-mesh submit | revoke | get | status`: the bridge API from the shell, through TrustMeshClient.
// Results print as JSON on stdout (pipe them to jq); failures print `trust-mesh: CODE: message` and exit 1.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { TrustMeshApiError, TrustMeshClient } from '../client/client.js';
import { TRUST_EVENTS, type TrustEvent } from '../core/messages/fields.js';
import type { CliContext } from './main.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:8081';

interface ApiFlags {
  api?: string;
  token?: string;
  timeout: number;
}

const positiveInt = (what: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0)
    throw new InvalidArgumentError(`${what} must be a whole number`);
  return number;
};

/** --score goes to the server as a number; range and integrality are the server's to judge, in one place. */
const score = (value: string) => {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number))
    throw new InvalidArgumentError('must be a number (0-1000)');
  return number;
};

function withApiOptions(command: Command): Command {
  return command
    .option('--api <url>', `bridge API base URL [env TRUST_MESH_API, default ${DEFAULT_API_URL}]`)
    .option('--token <token>', 'bearer token [env TRUST_MESH_TOKEN]')
    .option('--timeout <ms>', 'time limit per request', positiveInt('--timeout'), 10_000);
}

function clientOf(flags: ApiFlags, context: CliContext): TrustMeshClient {
  const token = flags.token ?? context.env.TRUST_MESH_TOKEN;
  return new TrustMeshClient({
    baseUrl: flags.api ?? context.env.TRUST_MESH_API ?? DEFAULT_API_URL,
    ...(token ? { token } : {}),
    timeoutMs: flags.timeout,
  });
}

/** Runs one client call; API errors become one line on stderr and exit code 1. */
async function run<T extends ApiFlags>(
  context: CliContext,
  flags: T,
  work: (client: TrustMeshClient) => Promise<unknown>,
): Promise<void> {
  try {
    const result = await work(clientOf(flags, context));
    if (result !== undefined) context.out(JSON.stringify(result, null, 2));
  } catch (error) {
    if (!(error instanceof TrustMeshApiError)) throw error;
    context.err(`trust-mesh: ${error.message}${error.field ? ` (field: ${error.field})` : ''}`);
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

  const status = withApiOptions(program.command('status').description("a bridge node's status"));
  status.action((flags: ApiFlags) => run(context, flags, (client) => client.status()));
}

function notFound(what: string): never {
  throw new TrustMeshApiError('TM_ERR_NOT_FOUND', `no ${what}`, 404);
}
