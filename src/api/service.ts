// The bridge API as a daemon service: reads its settings (api.*) from the node's configuration and logs where
// it listens. `trust-mesh start --type bridge` loads this module only for bridges.
import { readFileSync } from 'node:fs';
import { type Config, resolveSettingPath } from '../config/load.js';
import type { Logger } from '../log.js';
import type { TrustMeshNode } from '../node/node.js';
import { startBridgeApi } from './server.js';

/** Starts the bridge API for a daemon's node; shaped as the daemon's service factory, without knowing the daemon. */
export const bridgeApiService = async (
  node: TrustMeshNode,
  config: Config,
  logger: Logger,
): Promise<{ close(): Promise<void> }> => {
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
  return service;
};
