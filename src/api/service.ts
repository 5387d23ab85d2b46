// The bridge API as a daemon service, with its tokens reloaded on SIGHUP or a change of config.json; on a full or
// light node with --admin-port, its read-only copy on loopback. `trust-mesh start` loads this module only then.
import { readFileSync } from 'node:fs';
import { type Config, resolveSettingPath } from '../config/load.js';
import type { Logger } from '../log.js';
import type { TrustMeshNode } from '../node/node.js';
import { startBridgeApi } from './server.js';
import { watchTokens } from './token-reload.js';

/** A service the daemon starts beside its node; shaped as the daemon's factory without importing the daemon. */
type NodeService = (
  node: TrustMeshNode,
  config: Config,
  logger: Logger,
) => Promise<{ close(): Promise<void> }>;

/** Starts the bridge API (or, on a full or light node, its read-only copy) for a daemon's node. */
export const bridgeApiService: NodeService = async (node, config, logger) => {
  if (config.type !== 'bridge') return readOnlyApi(node, config, logger);
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

/** A full or light node's local endpoint: the API's reads on loopback for the CLI and a dashboard, no writes. */
const readOnlyApi: NodeService = async (node, config, logger) => {
  const service = await startBridgeApi(node, {
    host: '127.0.0.1',
    port: config.admin.port,
    readOnly: true,
    logger,
  });
  logger.info({ url: service.url }, 'read-only API listening');
  return service;
};
