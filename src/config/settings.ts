// Every setting a node reads, in one table: its type, default, environment variable, CLI flag and help text.
// The loader, the CLI options, `trust-mesh init` and the README's configuration table all come from here.
import { LOG_LEVELS } from '../log.js';

export type SettingKind =
  | { readonly kind: 'string' }
  | { readonly kind: 'path' }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'bool' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'list' };

export interface Setting {
  readonly type: SettingKind;
  readonly default?: string | number | boolean | readonly string[];
  readonly env: string;
  readonly flag: string;
  readonly help: string;
}

const port = { kind: 'int', min: 0, max: 65_535 } as const;

/** Keys are dotted paths into config.json (`api.port` is `{ "api": { "port": … } }`). */
export const SETTINGS = {
  type: {
    type: { kind: 'enum', values: ['full', 'light', 'bridge'] },
    default: 'full',
    env: 'TRUST_MESH_TYPE',
    flag: 'type',
    help: 'node type: full (stores everything, votes), light (bounded cache), bridge (full + HTTP API)',
  },
  host: {
    type: { kind: 'string' },
    default: '127.0.0.1',
    env: 'TRUST_MESH_HOST',
    flag: 'host',
    help: 'address the mesh listener binds (0.0.0.0 for every interface: then set advertiseHost)',
  },
  port: {
    type: port,
    default: 8080,
    env: 'TRUST_MESH_PORT',
    flag: 'port',
    help: 'mesh listener port (0 = any free port)',
  },
  advertiseHost: {
    type: { kind: 'string' },
    env: 'TRUST_MESH_ADVERTISE_HOST',
    flag: 'advertise-host',
    help: 'host name peers should dial (default: the bind host, or 127.0.0.1 when binding every interface)',
  },
  network: {
    type: { kind: 'string' },
    default: 'agentproof',
    env: 'TRUST_MESH_NETWORK',
    flag: 'network',
    help: 'network file: a path, or "agentproof" for the public network file shipped with the package',
  },
  peers: {
    type: { kind: 'list' },
    default: [],
    env: 'TRUST_MESH_PEERS',
    flag: 'peer',
    help: 'ws:// or wss:// endpoint to stay connected to (repeat the flag, or comma-separate in the environment)',
  },
  bootstrap: {
    type: { kind: 'bool' },
    default: true,
    env: 'TRUST_MESH_BOOTSTRAP',
    flag: 'bootstrap',
    help: "dial the network file's bootstrap nodes",
  },
  validator: {
    type: { kind: 'bool' },
    env: 'TRUST_MESH_VALIDATOR',
    flag: 'validator',
    help: 'vote on proposals (default: yes for full nodes, no for bridges; light nodes never vote)',
  },
  'tls.cert': {
    type: { kind: 'path' },
    env: 'TRUST_MESH_TLS_CERT',
    flag: 'tls-cert',
    help: 'PEM certificate: serve wss://',
  },
  'tls.key': {
    type: { kind: 'path' },
    env: 'TRUST_MESH_TLS_KEY',
    flag: 'tls-key',
    help: 'PEM private key for --tls-cert',
  },
  'tls.ca': {
    type: { kind: 'path' },
    env: 'TRUST_MESH_TLS_CA',
    flag: 'tls-ca',
    help: 'PEM CA bundle trusted for outbound wss:// besides the system CAs',
  },
  maxInboundPeers: {
    type: { kind: 'int', min: 0, max: 10_000 },
    default: 32,
    env: 'TRUST_MESH_MAX_INBOUND_PEERS',
    flag: 'max-inbound-peers',
    help: 'inbound connections accepted at most',
  },
  lightCacheBytes: {
    type: { kind: 'int', min: 1024 * 1024, max: Number.MAX_SAFE_INTEGER },
    default: 1024 ** 3,
    env: 'TRUST_MESH_LIGHT_CACHE_BYTES',
    flag: 'light-cache-bytes',
    help: "a light node's cache budget in bytes (oldest records are evicted past it)",
  },
  storageSync: {
    type: { kind: 'enum', values: ['full', 'normal'] },
    default: 'full',
    env: 'TRUST_MESH_STORAGE_SYNC',
    flag: 'storage-sync',
    help: 'SQLite synchronous mode: full survives power loss, normal survives process crashes only',
  },
  verifierThreads: {
    type: { kind: 'int', min: 0, max: 64 },
    // Measured on 2 cores (npm run bench, frame-rate and initial-sync): one worker thread accepts 1.65× the
    // signed frames of inline checks and syncs 1.33× faster; a second thread adds nothing on 2 cores.
    default: 1,
    env: 'TRUST_MESH_VERIFIER_THREADS',
    flag: 'verifier-threads',
    help: 'worker threads that check signatures ahead of the main thread (0 = check them on the main thread)',
  },
  logLevel: {
    type: { kind: 'enum', values: LOG_LEVELS },
    default: 'info',
    env: 'TRUST_MESH_LOG_LEVEL',
    flag: 'log-level',
    help: 'log level',
  },
  'metrics.port': {
    type: port,
    default: 0,
    env: 'TRUST_MESH_METRICS_PORT',
    flag: 'metrics-port',
    help: 'serve Prometheus /metrics on this port (0 = off; bridges also serve it on the API port)',
  },
  'metrics.host': {
    type: { kind: 'string' },
    default: '127.0.0.1',
    env: 'TRUST_MESH_METRICS_HOST',
    flag: 'metrics-host',
    help: 'address the metrics server binds',
  },
  'admin.port': {
    type: port,
    default: 0,
    env: 'TRUST_MESH_ADMIN_PORT',
    flag: 'admin-port',
    help: 'full and light nodes: serve the API read-only on 127.0.0.1 at this port, no token (status, peers, records, stream; 0 = off)',
  },
  'api.host': {
    type: { kind: 'string' },
    default: '127.0.0.1',
    env: 'TRUST_MESH_API_HOST',
    flag: 'api-host',
    help: 'bridge API bind address',
  },
  'api.port': {
    type: port,
    default: 8081,
    env: 'TRUST_MESH_API_PORT',
    flag: 'api-port',
    help: 'bridge API port',
  },
  'api.publicReads': {
    type: { kind: 'bool' },
    default: false,
    env: 'TRUST_MESH_API_PUBLIC_READS',
    flag: 'api-public-reads',
    help: 'allow reads without a token (writes always need one)',
  },
  'api.rateLimitPerMinute': {
    type: { kind: 'int', min: 1, max: 10_000_000 },
    default: 6000,
    env: 'TRUST_MESH_API_RATE_LIMIT',
    flag: 'api-rate-limit',
    help: 'requests per minute per token (or per address without one)',
  },
  'api.bodyLimitBytes': {
    type: { kind: 'int', min: 256, max: 16 * 1024 * 1024 },
    default: 16 * 1024,
    env: 'TRUST_MESH_API_BODY_LIMIT',
    flag: 'api-body-limit',
    help: 'largest request body in bytes',
  },
  'api.tls.cert': {
    type: { kind: 'path' },
    env: 'TRUST_MESH_API_TLS_CERT',
    flag: 'api-tls-cert',
    help: 'PEM certificate: serve the API over https',
  },
  'api.tls.key': {
    type: { kind: 'path' },
    env: 'TRUST_MESH_API_TLS_KEY',
    flag: 'api-tls-key',
    help: 'PEM key for --api-tls-cert',
  },
} as const satisfies Record<string, Setting>;

export type SettingKey = keyof typeof SETTINGS;
