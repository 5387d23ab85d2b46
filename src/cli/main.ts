// The `trust-mesh` command line: init, start, devnet, token, and the bridge client commands (client-commands.ts).
// Each command returns an exit code; errors with a TrustMeshError code print as one clear line, not a stack.
import { Command, CommanderError } from 'commander';
import { isTrustMeshError } from '../core/errors.js';
import { VERSION } from '../version.js';

type Register = (program: Command, context: CliContext) => void;

/**
 * Each command's module, loaded only when that command runs (all of them for the top-level help): the client
 * commands then start without loading SQLite, libsodium, fastify or the compiled schemas.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  init: () => import('./init-command.js').then((m) => m.registerInitCommand),
  start: () => import('./start-command.js').then((m) => m.registerStartCommand),
  'rotate-key': () => import('./rotate-key-command.js').then((m) => m.registerRotateKeyCommand),
  network: () => import('./network-command.js').then((m) => m.registerNetworkCommand),
  config: () => import('./config-command.js').then((m) => m.registerConfigCommand),
  devnet: () => import('./devnet-command.js').then((m) => m.registerDevnetCommand),
  token: () => import('./token-command.js').then((m) => m.registerTokenCommand),
  submit: () => import('./client-commands.js').then((m) => m.registerClientCommands),
  simulate: () => import('./simulate-command.js').then((m) => m.registerSimulateCommand),
  completion: () => import('./completion-command.js').then((m) => m.registerCompletionCommand),
};
for (const name of ['revoke', 'get', 'status', 'peers', 'watch']) COMMANDS[name] = COMMANDS.submit!;

export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** stdout is a terminal: the client commands then print for people unless given --json. */
  readonly tty?: boolean;
  /** Set by the command that ran; main returns it. */
  exitCode: number;
}

export async function buildProgram(context: CliContext, argv: readonly string[]): Promise<Command> {
  const program = new Command('trust-mesh')
    .description('A decentralized mesh for signed trust signals about AI agents.')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.out(text.trimEnd()),
      writeErr: (text) => context.err(text.trimEnd()),
    });
  const wanted =
    argv[2] !== undefined && Object.hasOwn(COMMANDS, argv[2])
      ? [COMMANDS[argv[2]]!]
      : Object.values(COMMANDS);
  for (const register of new Set(await Promise.all(wanted.map((load) => load())))) register(program, context);
  polishHelp(program);
  return program;
}

const NODE_GROUP = 'Node commands (on the machine that holds the data directory, --data-dir):';
const CLIENT_GROUP = "Client commands (against a bridge's HTTP API: --api, --token):";
const GROUPS: Record<string, string> = {
  init: NODE_GROUP,
  start: NODE_GROUP,
  'rotate-key': NODE_GROUP,
  network: NODE_GROUP,
  config: NODE_GROUP,
  token: NODE_GROUP,
  devnet: 'Try it on one machine:',
  simulate: 'Try it on one machine:',
  completion: 'Shell:',
  submit: CLIENT_GROUP,
  revoke: CLIENT_GROUP,
  get: CLIENT_GROUP,
  status: CLIENT_GROUP,
  peers: CLIENT_GROUP,
  watch: CLIENT_GROUP,
};

/** Examples under each command's help; the top-level help shows a walk from init to a committed update. */
const EXAMPLES: Record<string, readonly string[]> = {
  '': [
    'node bin/trust-mesh.js …    the same commands from a clone, without `npm link`',
    'trust-mesh devnet           five nodes and a bridge API on 127.0.0.1, until Ctrl-C',
    'trust-mesh init --data-dir /tmp/tm/a && trust-mesh start --data-dir /tmp/tm/a --no-bootstrap',
    'trust-mesh submit --agent my-agent --principal me --score 750 --wait   (with TRUST_MESH_API, TRUST_MESH_TOKEN)',
    'trust-mesh help <command>   options and examples of one command',
  ],
  init: ['trust-mesh init --data-dir /tmp/tm/a --port 9401 --network ./network.json --no-bootstrap'],
  start: [
    'trust-mesh start --data-dir /tmp/tm/a',
    'trust-mesh start --data-dir /tmp/tm/c --type bridge --api-port 8081 --peer ws://127.0.0.1:9401/mesh',
    'TRUST_MESH_LOG_LEVEL=debug trust-mesh start --data-dir /tmp/tm/a --metrics-port 9464',
  ],
  'rotate-key': ['trust-mesh rotate-key --data-dir /tmp/tm/a   (the node must be stopped)'],
  devnet: [
    'trust-mesh devnet --nodes 5',
    'trust-mesh devnet --nodes 20 --scenario smoke --json --timeout 120000',
  ],
  submit: [
    'trust-mesh submit --agent my-agent --principal me --score 750 --wait',
    'trust-mesh submit --api 127.0.0.1:8081 --token "$TOKEN" --agent a --principal p --score 10 --event REGISTRATION',
  ],
  revoke: ['trust-mesh revoke --agent my-agent --principal me --reason compromised'],
  get: [
    'trust-mesh get --agent my-agent --principal me',
    'trust-mesh get --agent my-agent --principal me --history --limit 10',
    'trust-mesh get --update <id printed by submit>',
  ],
  status: ['TRUST_MESH_API=http://127.0.0.1:8081 TRUST_MESH_TOKEN=tm_… trust-mesh status'],
  peers: ['trust-mesh peers --json | jq ".peers[].nodeId"'],
  watch: ['trust-mesh watch', 'trust-mesh watch --from 0 --count 10 --json'],
  completion: [
    'source <(trust-mesh completion bash)     # in ~/.bashrc',
    'source <(trust-mesh completion zsh)      # in ~/.zshrc',
  ],
};

/** Groups the commands, marks required options (commander does not) and adds the examples. */
function polishHelp(program: Command): void {
  program.addHelpText('after', examplesText(EXAMPLES['']!));
  for (const command of program.commands) {
    const group = GROUPS[command.name()];
    if (group !== undefined) command.helpGroup(group);
    const examples = EXAMPLES[command.name()];
    if (examples !== undefined) command.addHelpText('after', examplesText(examples));
    for (const each of [command, ...command.commands]) {
      for (const option of each.options) {
        if (option.mandatory && !option.description.endsWith('(required)'))
          option.description += ' (required)';
      }
    }
  }
}

function examplesText(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const context: CliContext = {
    env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    tty: process.stdout.isTTY === true,
    exitCode: 0,
  };
  try {
    await (await buildProgram(context, argv)).parseAsync(argv);
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isTrustMeshError(error)) {
      context.err(`trust-mesh: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
