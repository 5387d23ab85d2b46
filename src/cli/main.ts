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
  peers: () => import('./peers-command.js').then((m) => m.registerPeersCommand),
};
for (const name of ['revoke', 'get', 'status']) COMMANDS[name] = COMMANDS.submit!;

export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
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
  return program;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const context: CliContext = {
    env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
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
