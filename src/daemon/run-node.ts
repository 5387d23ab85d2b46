// Starts a node from a resolved configuration: key, network file, TLS files, the node, its metrics and API.
// Shared by `trust-mesh start` and anything else that runs a configured daemon; stop() undoes it all.
import { readFileSync } from 'node:fs';
import { type Config, resolveSettingPath } from '../config/load.js';
import { readNetworkFile, resolveNetworkPath } from '../config/network-file.js';
import { SETTINGS, type SettingKey } from '../config/settings.js';
import { isTrustMeshError, TrustMeshError } from '../core/errors.js';
import { listenError } from '../listen-error.js';
import type { Logger } from '../log.js';
import { loadKey } from '../node/key-file.js';
import { TrustMeshNode } from '../node/node.js';
import { type MetricsServer, serveMetrics } from './metrics-server.js';

export interface RunningNode {
  readonly node: TrustMeshNode;
  readonly metrics: MetricsServer | null;
  /** Extra services started beside the node (the bridge API), closed before it. */
  readonly services: Array<{ close(): Promise<void> }>;
  stop(): Promise<void>;
}

/** Optional services a bridge adds; the API module registers itself here so the daemon stays small. */
export type ServiceFactory = (
  node: TrustMeshNode,
  config: Config,
  logger: Logger,
) => Promise<{ close(): Promise<void> }>;

export async function runNode(
  config: Config,
  logger: Logger,
  bridgeApi?: ServiceFactory,
): Promise<RunningNode> {
  const key = loadKey(config.dataDir);
  const network = readNetworkFile(
    resolveNetworkPath(config.network, config.sources.network === 'file' ? config.dataDir : process.cwd()),
  );
  const read = (key: SettingKey, path: string) => readFileSync(resolveSettingPath(config, key, path));
  if ((config.host === '0.0.0.0' || config.host === '::') && config.advertiseHost === undefined) {
    logger.warn(
      { host: config.host },
      'listening on every interface but advertising 127.0.0.1: set advertiseHost (--advertise-host) to the name peers dial',
    );
  }
  const node = await TrustMeshNode.start(
    {
      dataDir: config.dataDir,
      network,
      key,
      type: config.type,
      host: config.host,
      port: config.port,
      ...(config.advertiseHost === undefined ? {} : { advertiseHost: config.advertiseHost }),
      peers: config.peers,
      useBootstrap: config.bootstrap,
      ...(config.tls.cert && config.tls.key
        ? { tls: { cert: read('tls.cert', config.tls.cert), key: read('tls.key', config.tls.key) } }
        : {}),
      ...(config.tls.ca ? { tlsCa: read('tls.ca', config.tls.ca) } : {}),
      ...(config.validator === undefined ? {} : { validator: config.validator }),
      maxInboundPeers: config.maxInboundPeers,
      lightCacheBytes: config.lightCacheBytes,
      storageSync: config.storageSync,
      verifierThreads: config.verifierThreads,
    },
    { logger },
  ).catch((error: Error) => Promise.reject(namingSetting(error, config, 'port')));
  const services: Array<{ close(): Promise<void> }> = [];
  let metrics: MetricsServer | null = null;
  try {
    if (config.metrics.port !== 0) {
      const served = await serveMetrics(
        node.metrics.registry,
        config.metrics.host,
        config.metrics.port,
      ).catch((error: Error) =>
        Promise.reject(
          namingSetting(listenError(error, config.metrics.host, config.metrics.port), config, 'metrics.port'),
        ),
      );
      metrics = served;
      logger.info({ url: `http://${config.metrics.host}:${served.port}/metrics` }, 'metrics served');
    }
    // A bridge serves the API; a full or light node, with --admin-port, a read-only copy on loopback.
    const bridge = config.type === 'bridge';
    if (bridgeApi && (bridge || config.admin.port !== 0)) {
      const [host, port] = bridge ? [config.api.host, config.api.port] : ['127.0.0.1', config.admin.port];
      services.push(
        await bridgeApi(node, config, logger).catch((error: Error) =>
          Promise.reject(
            namingSetting(listenError(error, host, port), config, bridge ? 'api.port' : 'admin.port'),
          ),
        ),
      );
    }
    warnAboutSetup(node, config, logger);
  } catch (error) {
    await Promise.all(services.map((service) => service.close()));
    await metrics?.close();
    await node.stop();
    throw error;
  }
  return {
    node,
    metrics,
    services,
    async stop() {
      await Promise.all(services.map((service) => service.close()));
      await metrics?.close();
      await node.stop();
    },
  };
}

/** A listen failure, told with the setting that chose the port and where its value came from. */
function namingSetting(
  error: Error,
  config: Config,
  key: 'port' | 'metrics.port' | 'api.port' | 'admin.port',
): Error {
  if (!isTrustMeshError(error) || error.details?.listen === undefined) return error;
  const setting = SETTINGS[key];
  const source = config.sources[key] ?? 'default';
  return new TrustMeshError(
    'TM_ERR_CONFIG_INVALID',
    `${error.message.replace(/^TM_ERR_CONFIG_INVALID: /, '')}; the port is the setting ${key} (from ${source}): choose another with --${setting.flag}, ${setting.env} or "${key}" in config.json`,
    error.details,
  );
}

/** Mistakes that leave a node running but useless, said once at start-up rather than discovered later. */
function warnAboutSetup(node: TrustMeshNode, config: Config, logger: Logger): void {
  const { stake, validator, member } = node.status();
  if (stake > 0 && !validator) {
    logger.warn(
      { stake, type: config.type },
      'this node holds stake but does not vote: its stake still counts in the total, so fewer updates can reach a majority (start with --validator, or give the stake to a voting node)',
    );
  }
  if (!member) {
    logger.warn(
      { nodeId: node.nodeId, network: node.network.networkId },
      'this node is not a member of its network file: its proposals and revocations are ignored by others (add its public key to the network file)',
    );
  }
}
