// The bridge API: a fastify server around one running node, with bearer-token scopes, rate limits, strict JSON
// validation, SSE and an OpenAPI document generated from the same route schemas. startBridgeApi() is the entry.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { ApiToken } from '../config/load.js';
import { type Logger, silentLogger } from '../log.js';
import type { TrustMeshNode } from '../node/node.js';
import { VERSION } from '../version.js';
import { installAccessControl } from './access.js';
import { ApiFailure, handleError } from './error-handler.js';
import { installApiMetrics } from './metrics.js';
import { RecordCache } from './record-cache.js';
import { registerExplorerRoutes } from './routes/explorer.js';
import { registerRecordRoutes } from './routes/records.js';
import { registerStreamRoute } from './routes/stream.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerUpdateRoutes } from './routes/updates.js';
import { ApiErrorBody } from './schemas.js';

export interface BridgeApiOptions {
  readonly host?: string;
  /** 0 picks a free port; see `BridgeApi.url`. */
  readonly port?: number;
  readonly tokens?: readonly ApiToken[];
  /** Serve reads without a token (writes always need one). */
  readonly publicReads?: boolean;
  /** Reads for anyone, tokens ignored, writes refused: a full or light node's local endpoint (--admin-port). */
  readonly readOnly?: boolean;
  readonly rateLimitPerMinute?: number;
  readonly bodyLimitBytes?: number;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Milliseconds between SSE heartbeat comments. */
  readonly heartbeatMs?: number;
  /** What SSE clients are told to wait before reconnecting (the `retry:` field). */
  readonly streamRetryMs?: number;
  /** Open SSE streams in all. */
  readonly maxStreams?: number;
  /** Open SSE streams per token (per client address for anonymous readers). */
  readonly maxStreamsPerCaller?: number;
  readonly logger?: Logger;
  /** Built records kept for repeated point reads (0: rebuild every time). */
  readonly recordCacheSize?: number;
  /** Clock for the rate limiter and the record cache (tests). */
  readonly now?: () => number;
}

export interface BridgeApi {
  /** Base URL, e.g. http://127.0.0.1:8081 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  /** SSE streams open now. */
  readonly streams: number;
  /** Replaces the bearer tokens without a restart (token reload: SIGHUP or a change of config.json). */
  setTokens(tokens: readonly ApiToken[]): void;
  close(): Promise<void>;
}

export const API_DEFAULTS = {
  host: '127.0.0.1',
  port: 8081,
  rateLimitPerMinute: 6_000,
  bodyLimitBytes: 16 * 1024,
  heartbeatMs: 15_000,
  streamRetryMs: 2_000,
  maxStreams: 256,
  /** So one token (or address) cannot take every stream slot. */
  maxStreamsPerCaller: 16,
  recordCacheSize: 1_024,
  /** Records are dropped on their commit or revocation event; this only bounds what an event could miss. */
  recordCacheMaxAgeMs: 1_000,
} as const;

/**
 * Bodies are validated strictly (no type coercion, unknown fields refused) so a typo fails loudly; params and
 * query strings arrive as text and are coerced. Each schema is compiled once, when its route is registered.
 */
function installValidators(app: FastifyInstance): void {
  // `unicode: false`: lengths count UTF-16 units, as the wire schemas do; counted in code points, a 200-emoji
  // agentId passed here, and peers rejected the proposal it made (and dropped this node for sending it).
  // ajv marks `unicode` deprecated and says so on stderr at every start; that one notice is not an operator's.
  const logger = { log: () => {}, warn: () => {}, error: (...args: unknown[]) => console.error(...args) };
  const strictBodies = new Ajv({
    logger,
    unicode: false,
    coerceTypes: false,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
  const textParts = new Ajv({
    logger,
    unicode: false,
    coerceTypes: true,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strictBodies : textParts).compile(schema),
  );
}

const DOCUMENT = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Trust Mesh bridge API',
      version: VERSION,
      description:
        'Submit verification events and revocations to a Trust Mesh network, read trust records and their ' +
        'history, and follow committed changes as Server-Sent Events. Errors are `{ code, message, field? }`.',
    },
    tags: [
      { name: 'updates', description: 'trust updates (by consensus) and revocations (immediate)' },
      { name: 'records', description: 'trust records and their history' },
      { name: 'stream', description: 'live changes' },
      { name: 'node', description: 'status, peers, health and metrics' },
    ],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http' as const,
          scheme: 'bearer',
          description: 'a token made by `trust-mesh token create`; scopes `read` and `write`',
        },
      },
    },
  },
};

export async function startBridgeApi(
  node: TrustMeshNode,
  options: BridgeApiOptions = {},
): Promise<BridgeApi> {
  const publicReads = options.readOnly === true || (options.publicReads ?? false);
  const logger = (options.logger ?? silentLogger()).child({ component: 'api' });
  const app = Fastify({
    loggerInstance: logger,
    // Per-request log lines would cost more than most requests; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // One logger for every request instead of a child each: request ids are not logged, failures name the URL.
    childLoggerFactory: (parent) => parent,
    bodyLimit: options.bodyLimitBytes ?? API_DEFAULTS.bodyLimitBytes,
    // A 256-character id percent-encoded (up to 9 characters per UTF-16 unit) still fits; fastify's 100 did not.
    routerOptions: { maxParamLength: 2_304 },
    // Errors raised before routing (bad URL encoding, over-long parameters) get the API's shape too.
    frameworkErrors: handleError,
    forceCloseConnections: true,
    // Requests that arrive while closing get our own 503 (below), in the API's error shape.
    return503OnClosing: false,
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
  }) as unknown as FastifyInstance;
  installValidators(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request) => {
    // The path is not quoted back: it is the caller's input.
    throw ApiFailure.of('TM_ERR_NOT_FOUND', `no route for ${request.method} at this path`);
  });
  await app.register(swagger, {
    ...DOCUMENT,
    // Security and the gate's answers follow from each route's `access`, so routes cannot forget them.
    // Every route may also answer 429 (the rate limit), 500 (TM_ERR_INTERNAL) and 503 (the node is stopping);
    // a route's own schema for one of them wins (/readyz's 503 carries the sync progress).
    transform: ({ schema, url, route }) => {
      const access = route.config?.access ?? 'public';
      const always = { 429: ApiErrorBody, 500: ApiErrorBody, 503: ApiErrorBody };
      if (access === 'public')
        return { url, schema: { ...schema, response: { ...always, ...(schema?.response as object) } } };
      const optional = access === 'read' && publicReads;
      const gate = access === 'write' || !publicReads ? { 401: ApiErrorBody, 403: ApiErrorBody } : {};
      const security: Array<Record<string, string[]>> = optional ? [{ bearer: [] }, {}] : [{ bearer: [] }];
      return {
        url,
        schema: {
          ...schema,
          security,
          response: { ...(schema?.response as object), ...gate, ...always },
        },
      };
    },
  });
  // Swagger UI at /docs, from the assets inside the package (no CDN; the online validator is off by default).
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: false } });
  // Every answer names the node that gave it (stream seqs and record reads belong to one bridge) and says
  // whether it was in sync when the request came: a read made while catching up may lack a revocation.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('x-trust-mesh-node', node.nodeId);
    reply.header('x-trust-mesh-sync', node.syncStatus().state);
    done();
  });
  let shuttingDown = false;
  app.addHook('preClose', (done) => {
    shuttingDown = true;
    done();
  });
  app.addHook('onRequest', (_request, _reply, done) =>
    done(
      shuttingDown || !node.running
        ? ApiFailure.of('TM_ERR_NOT_RUNNING', 'the bridge is shutting down')
        : undefined,
    ),
  );
  const access = installAccessControl(app, {
    tokens: options.tokens ?? [],
    publicReads,
    ...(options.readOnly ? { readOnly: true } : {}),
    rateLimitPerMinute: options.rateLimitPerMinute ?? API_DEFAULTS.rateLimitPerMinute,
    ...(options.now ? { now: options.now } : {}),
  });
  installApiMetrics(app, node.metrics.registry);
  registerUpdateRoutes(app, node);
  const cache = new RecordCache(node, {
    capacity: options.recordCacheSize ?? API_DEFAULTS.recordCacheSize,
    maxAgeMs: API_DEFAULTS.recordCacheMaxAgeMs,
    ...(options.now ? { now: options.now } : {}),
  });
  app.addHook('onClose', (_instance, done) => {
    cache.close();
    done();
  });
  registerRecordRoutes(app, node, cache);
  const streams = registerStreamRoute(app, node, {
    heartbeatMs: options.heartbeatMs ?? API_DEFAULTS.heartbeatMs,
    retryMs: options.streamRetryMs ?? API_DEFAULTS.streamRetryMs,
    maxStreams: options.maxStreams ?? API_DEFAULTS.maxStreams,
    maxPerCaller: options.maxStreamsPerCaller ?? API_DEFAULTS.maxStreamsPerCaller,
  });
  registerSystemRoutes(app, node);
  registerExplorerRoutes(app);
  const host = options.host ?? API_DEFAULTS.host;
  try {
    await app.listen({ host, port: options.port ?? API_DEFAULTS.port });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `${options.tls ? 'https' : 'http'}://${shownHost}:${port}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    app,
    get streams() {
      return streams.size;
    },
    setTokens: (tokens) => access.setTokens(tokens),
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
