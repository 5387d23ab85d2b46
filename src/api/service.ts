// The bridge API as a daemon service: reads its settings (api.*) from the node's configuration, logs where it
// listens and reloads its tokens on SIGHUP or a change of config.json. `trust-mesh start` loads it for bridges only.
import { readFileSync } from 'node:fs';
import { type Config, resolveSettingPath } from '../config/load.js';
import type { ServiceFactory } from '../daemon/run-node.js';
import { startBridgeApi } from './server.js';
import { watchTokens } from './token-reload.js';

export const bridgeApiService: ServiceFactory = async (node, config: Config, logger) => {
  const { api } = config;
  const tls =
    api.tls.cert && api.tls.key
      ? {
          cert: readFileSync(resolveSettingPath(config, 'api.tls.cert', api.tls.cert)),
          key: readFileSync(resolveSettingPath(config, 'api.tls.key', api.tls.key)),
        }
      : null;
  const service = await startBridgeApi(node, {
    host: api.host,
    port: api.port,
    tokens: api.tokens,
    publicReads: api.publicReads,
    rateLimitPerMinute: api.rateLimitPerMinute,
    bodyLimitBytes: api.bodyLimitBytes,
    ...(tls ? { tls } : {}),
    logger,
  });
  logger.info(
    { url: service.url, tokens: api.tokens.length, publicReads: api.publicReads },
    'bridge API listening',
  );
  if (api.tokens.length === 0) {
    logger.warn(
      { dataDir: config.dataDir },
      'the bridge API has no tokens, so nothing can write to it: run `trust-mesh token create --name <name> --scopes read,write`',
    );
  }
  const reloader = watchTokens({
    dataDir: config.dataDir,
    logger,
    apply: (tokens) => service.setTokens(tokens),
  });
  return {
    close: async () => {
      reloader.close();
      await service.close();
    },
  };
};
