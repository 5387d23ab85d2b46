// `trust-mesh start`: runs a node until SIGINT or SIGTERM, then closes sockets and storage and exits 0.
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { type RunningNode, runNode, type ServiceFactory } from '../daemon/run-node.js';
import { createLogger } from '../log.js';
import type { CliContext } from './main.js';
import { addDataDirOption, addSettingOptions, dataDirOf, givenFlags } from './options.js';
import { showSyncProgress } from './sync-progress-bar.js';

/** Hard limit for a graceful stop; past it the process exits non-zero rather than hang. */
const STOP_DEADLINE_MS = 5_000;

/** Loaded on demand, so full and light nodes load fastify only for --admin-port. */
const lazyBridgeApi: ServiceFactory = async (...args) =>
  (await import('../api/service.js')).bridgeApiService(...args);

export function registerStartCommand(program: Command, context: CliContext): void {
  const command = program
    .command('start')
    .description('run a node (full, light or bridge) until interrupted')
    .option('--pretty-logs', 'human-readable logs even when stdout is not a terminal');
  addDataDirOption(command);
  addSettingOptions(command);
  command.action(async (options: { prettyLogs?: boolean }) => {
    const config = loadConfig({
      dataDir: dataDirOf(command, context.env),
      env: context.env,
      flags: givenFlags(command),
    });
    const logger = createLogger({ level: config.logLevel, ...(options.prettyLogs ? { pretty: true } : {}) });
    // Listen before starting: a signal that arrives while the node starts (it already logged 'node started')
    // must still end in a clean stop, not in the default kill that leaves the database unclosed.
    let early: NodeJS.Signals | null = null;
    let onSignal = (signal: NodeJS.Signals) => {
      early ??= signal;
    };
    const listener = (signal: NodeJS.Signals) => onSignal(signal);
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    let running: RunningNode;
    try {
      running = await runNode(config, logger, lazyBridgeApi);
    } catch (error) {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
      logger.flush?.();
      throw error;
    }
    // Log lines still say how sync goes; the bar only adds a live view on a terminal.
    const hideProgress = showSyncProgress(running.node, process.stderr);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) {
          logger.warn({ signal }, 'second signal: exiting now');
          process.exit(130);
        }
        stopping = true;
        hideProgress();
        logger.info({ signal }, 'shutting down');
        const deadline = setTimeout(() => {
          logger.error('graceful shutdown took too long; exiting');
          process.exit(1);
        }, STOP_DEADLINE_MS);
        running.stop().then(
          () => {
            clearTimeout(deadline);
            resolve();
          },
          (error: unknown) => {
            logger.error({ err: error }, 'error while shutting down');
            clearTimeout(deadline);
            context.exitCode = 1;
            resolve();
          },
        );
      };
      onSignal = stop;
      if (early !== null) stop(early);
    });
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  });
}
