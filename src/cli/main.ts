// The `trust-mesh` command line: init, start, devnet, token, and the bridge client commands (client-commands.ts).
// Each command returns an exit code; errors with a TrustMeshError code print as one clear line, not a stack.
import { Command, CommanderError } from 'commander';
import { isTrustMeshError } from '../core/errors.js';
import { VERSION } from '../version.js';
import { registerClientCommands } from './client-commands.js';
import { registerDevnetCommand } from './devnet-command.js';
import { registerInitCommand } from './init-command.js';
import { registerNetworkCommand } from './network-command.js';
import { registerRotateKeyCommand } from './rotate-key-command.js';
import { registerStartCommand } from './start-command.js';
import { registerTokenCommand } from './token-command.js';

export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Set by the command that ran; main returns it. */
  exitCode: number;
}

export function buildProgram(context: CliContext): Command {
  const program = new Command('trust-mesh')
    .description('A decentralized mesh for signed trust signals about AI agents.')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.out(text.trimEnd()),
      writeErr: (text) => context.err(text.trimEnd()),
    });
  registerInitCommand(program, context);
  registerStartCommand(program, context);
  registerRotateKeyCommand(program, context);
  registerNetworkCommand(program, context);
  registerDevnetCommand(program, context);
  registerTokenCommand(program, context);
  registerClientCommands(program, context);
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
    await buildProgram(context).parseAsync(argv);
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
