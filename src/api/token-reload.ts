// Reloads a running bridge's API tokens from config.json (api.tokens) on SIGHUP and whenever the file changes,
// so `trust-mesh token create | revoke` take effect at once. A file that does not load keeps the old tokens.
import { type FSWatcher, watch } from 'node:fs';
import { type ApiToken, CONFIG_FILE, loadConfig, readConfigFile } from '../config/load.js';
import type { Logger } from '../log.js';

/** Editors and writeFileSync raise several change events per save; one reload follows the last of them. */
const SETTLE_MS = 50;

export interface TokenReloadOptions {
  readonly dataDir: string;
  readonly logger: Logger;
  readonly apply: (tokens: readonly ApiToken[]) => void;
  /** Watch config.json for changes (default true); SIGHUP always reloads. */
  readonly watchFile?: boolean;
}

export interface TokenReloader {
  /** Reads the tokens now; false (and the old tokens kept) when config.json does not load. */
  reload(trigger: string): boolean;
  close(): void;
}

export function watchTokens(options: TokenReloadOptions): TokenReloader {
  const { dataDir, logger } = options;
  let timer: NodeJS.Timeout | null = null;
  let watcher: FSWatcher | null = null;
  const reload = (trigger: string): boolean => {
    let tokens: ApiToken[];
    try {
      tokens = loadConfig({ dataDir, file: readConfigFile(dataDir), env: {} }).api.tokens;
    } catch (error) {
      logger.warn(
        { trigger, err: error },
        'API tokens not reloaded: config.json does not load; the previous tokens stay in force',
      );
      return false;
    }
    options.apply(tokens);
    logger.info({ trigger, tokens: tokens.length }, 'API tokens reloaded');
    return true;
  };
  const onSignal = () => reload('SIGHUP');
  process.on('SIGHUP', onSignal);
  if (options.watchFile !== false) {
    try {
      // The directory, not the file: an editor that saves by renaming replaces the file a watch would follow.
      watcher = watch(dataDir, { persistent: false }, (_event, filename) => {
        if (filename !== null && filename !== CONFIG_FILE) return;
        if (timer !== null) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = null;
          reload('file');
        }, SETTLE_MS);
      });
      watcher.on('error', (error) => logger.warn({ err: error }, 'stopped watching config.json for tokens'));
    } catch (error) {
      logger.warn({ err: error, dataDir }, 'cannot watch config.json: tokens reload on SIGHUP only');
    }
  }
  return {
    reload,
    close() {
      process.off('SIGHUP', onSignal);
      if (timer !== null) clearTimeout(timer);
      timer = null;
      watcher?.close();
      watcher = null;
    },
  };
}
