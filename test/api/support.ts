// Bridge API test helpers: real nodes (TestMesh) with real API servers on 127.0.0.1 port 0, tokens, and a
// small raw-HTTP caller for the cases a well-behaved client would never send. cleanup() closes everything.
import { createToken } from '../../src/api/auth.js';
import type { EventInput, UpdateStatus } from '../../src/api/schemas.js';
import { type BridgeApi, type BridgeApiOptions, startBridgeApi } from '../../src/api/server.js';
import type { TrustMeshClient } from '../../src/client/client.js';
import type { Network } from '../../src/core/network.js';
import type { NodeOptions, TrustMeshNode } from '../../src/node/node.js';
import { testKeyPair } from '../support/fixtures.js';
import { TestMesh } from '../support/mesh.js';

export const writer = createToken('writer', ['read', 'write']);
export const reader = createToken('reader', ['read']);
export const TOKENS = [writer.entry, reader.entry];

export class ApiMesh extends TestMesh {
  private readonly apis: BridgeApi[] = [];

  constructor(network: Network) {
    super(network);
  }

  /** Starts node `index` (its test key) and, unless told otherwise, a bridge API in front of it. */
  async bridge(
    index: number,
    api: BridgeApiOptions = {},
    node: Partial<NodeOptions> = {},
  ): Promise<{ node: TrustMeshNode; api: BridgeApi }> {
    const started = await this.start(testKeyPair(index), { type: 'bridge', validator: true, ...node });
    return { node: started, api: await this.serve(started, api) };
  }

  async serve(node: TrustMeshNode, options: BridgeApiOptions = {}): Promise<BridgeApi> {
    const api = await startBridgeApi(node, { port: 0, tokens: TOKENS, ...options });
    this.apis.push(api);
    return api;
  }

  override async cleanup(): Promise<void> {
    await Promise.all(this.apis.map((api) => api.close()));
    await super.cleanup();
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One raw request; `body` is sent as JSON unless `raw` gives the exact bytes. */
export async function call(
  base: string,
  path: string,
  options: {
    method?: string;
    token?: string;
    body?: unknown;
    raw?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const hasBody = options.body !== undefined || options.raw !== undefined;
  const response = await fetch(`${base}${path}`, {
    method: options.method ?? (hasBody ? 'POST' : 'GET'),
    headers: {
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    ...(hasBody ? { body: options.raw ?? JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, headers: response.headers, body };
}

export const event = (overrides: Record<string, unknown> = {}) => ({
  agentId: 'agent-1',
  principalId: 'principal-1',
  trustScore: 750,
  event: 'VERIFICATION_SUCCESS',
  ...overrides,
});

/** Polls an async condition until it holds (no sleeps standing in for synchronisation). */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Submits through the client and waits for the update to settle; throws unless it committed. */
export async function submitCommitted(client: TrustMeshClient, input: EventInput): Promise<UpdateStatus> {
  const { id } = await client.submitEvent(input);
  const settled = await client.waitForUpdate(id, { timeoutMs: 10_000, intervalMs: 20 });
  if (settled.status !== 'committed')
    throw new Error(`update ${id} ${settled.status}: ${JSON.stringify(settled.reasons)}`);
  return settled;
}
