// TrustMeshClient: a typed client for a bridge node's HTTP API, on the global fetch (Node 20+, browsers, Deno).
// Errors arrive as TrustMeshApiError with the server's stable code; the change stream is an async iterator
// that reconnects with Last-Event-ID, so a consumer sees every change once even across dropped connections.
import { paths } from '../api/links.js';
import type {
  ApiErrorBody,
  EventInput,
  Health,
  HistoryPage,
  KeyList,
  NodeStatus,
  PeerList,
  RevocationInput,
  RevocationResult,
  StreamEvent,
  SubmitResult,
  TrustRecord,
  UpdateStatus,
} from '../api/schemas.js';
import { readSse } from './sse.js';

export interface TrustMeshClientOptions {
  /** The bridge's base URL, e.g. http://127.0.0.1:8081. */
  readonly baseUrl: string | URL;
  /** Bearer token (`trust-mesh token create`); reads may work without one when the bridge allows it. */
  readonly token?: string;
  /** Per-request time limit (streams excepted). Default 10 s. */
  readonly timeoutMs?: number;
  /** Another fetch implementation (a proxy-aware one, a test double). */
  readonly fetch?: typeof fetch;
}

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Poll interval (default 100 ms). */
  readonly intervalMs?: number;
}

export interface StreamOptions {
  /** Replay what came after this seq; omitted, the stream starts at the present. */
  readonly lastEventId?: number;
  /** Ends the iteration (the for-await loop just finishes). */
  readonly signal?: AbortSignal;
  /** Reconnect after a dropped connection or a 5xx/429, resuming from the last seq seen (default true). */
  readonly reconnect?: boolean;
  /** Wait before reconnecting, until the server's `retry:` says otherwise (default 2 s). */
  readonly retryMs?: number;
  /** Told about each failure that leads to a reconnection; `attempt` counts failures in a row, from 1. */
  readonly onReconnect?: (error: unknown, attempt: number) => void;
  /**
   * Treat the connection as dead after this long without a byte (bridges send a heartbeat every 15 s by
   * default), and reconnect: a half-open TCP connection otherwise waits forever. Default 60 s; 0 turns it off.
   */
  readonly idleTimeoutMs?: number;
}

/** A change from the stream: the JSON of its `data:` line plus the SSE event name. */
export type ChangeEvent = StreamEvent & { name: string };

/**
 * Codes the client makes up itself: no bridge sends them and they are not protocol codes. Their status is 0.
 * (An error answer that is not the bridge's JSON gets `TM_ERR_HTTP_<status>`, with its HTTP status.)
 */
export const CLIENT_CODES = {
  /** No answer: connection refused or reset, a DNS failure, or the per-request time limit passed. */
  unreachable: 'TM_ERR_UNREACHABLE',
  /** A success answer whose body is not the JSON the bridge sends (a proxy's page, say). */
  badResponse: 'TM_ERR_BAD_RESPONSE',
  /** waitForUpdate stopped waiting while the update was still pending: it may yet commit or be rejected. */
  timeout: 'TM_ERR_CLIENT_TIMEOUT',
} as const;

/** An error answer from the bridge, or one of CLIENT_CODES (status 0) when there was no usable answer. */
export class TrustMeshApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly field?: string,
    /** On a 500: the id under which the bridge logged what went wrong. */
    readonly requestId?: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'TrustMeshApiError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Four of a bridge's default 15 s heartbeats. */
const DEFAULT_STREAM_IDLE_MS = 60_000;

/** 4xx answers other than 429 will not change by retrying, so a stream stops on them. */
const isFatal = (error: unknown) =>
  error instanceof TrustMeshApiError && error.status >= 400 && error.status < 500 && error.status !== 429;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function errorOf(response: Response): Promise<TrustMeshApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ApiErrorBody>;
    if (typeof body.code === 'string' && typeof body.message === 'string')
      return new TrustMeshApiError(body.code, body.message, response.status, body.field, body.requestId);
  } catch {
    // Not our JSON: a proxy or another server answered; describe it by status.
  }
  return new TrustMeshApiError(
    `TM_ERR_HTTP_${response.status}`,
    text.slice(0, 200) || response.statusText,
    response.status,
  );
}

export class TrustMeshClient {
  private readonly base: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: TrustMeshClientOptions) {
    this.base = String(options.baseUrl).replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  // ---- Writes -----------------------------------------------------------------------------------------------

  /** Proposes a trust update; it is pending until validators commit or reject it (see waitForUpdate). */
  submitEvent(input: EventInput): Promise<SubmitResult> {
    return this.json('POST', paths.events, input);
  }

  /** Revokes an agent for a principal: applied at the bridge at once and propagated to the whole mesh. */
  revoke(input: RevocationInput): Promise<RevocationResult> {
    return this.json('POST', paths.revocations, input);
  }

  // ---- Reads ------------------------------------------------------------------------------------------------

  /** An update proposed through this bridge; null when the bridge never proposed it. */
  update(id: string): Promise<UpdateStatus | null> {
    return this.orNull(this.json('GET', paths.update(id)));
  }

  /**
   * Polls an update until it is committed or rejected. Giving up is the client's doing, not the mesh's: it throws
   * CLIENT_CODES.timeout (TM_ERR_CLIENT_TIMEOUT) while the update stays pending and may still commit.
   */
  async waitForUpdate(id: string, options: WaitOptions = {}): Promise<UpdateStatus> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.update(id);
      if (status === null) throw new TrustMeshApiError('TM_ERR_NOT_FOUND', `no update ${id}`, 404);
      if (status.status !== 'pending') return status;
      if (Date.now() >= deadline)
        throw new TrustMeshApiError(
          CLIENT_CODES.timeout,
          `update ${id} is still pending after ${timeoutMs} ms; it may still commit (its deadline is ` +
            `${status.deadline}): ask for update ${id} again later`,
          0,
        );
      await sleep(options.intervalMs ?? 100);
    }
  }

  /** The trust record of an agent for a principal; null when there is none. */
  record(agentId: string, principalId: string): Promise<TrustRecord | null> {
    return this.orNull(this.json('GET', paths.record(agentId, principalId)));
  }

  /** Every principal's record for an agent; empty when there are none. */
  async agent(agentId: string): Promise<TrustRecord[]> {
    const found = await this.orNull(this.json<{ records: TrustRecord[] }>('GET', paths.agent(agentId)));
    return found?.records ?? [];
  }

  /** One page of a record's history, oldest first. */
  history(
    agentId: string,
    principalId: string,
    page: { offset?: number; limit?: number } = {},
  ): Promise<HistoryPage> {
    const query = new URLSearchParams();
    if (page.offset !== undefined) query.set('offset', String(page.offset));
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    const suffix = query.size > 0 ? `?${query}` : '';
    return this.json('GET', `${paths.history(agentId, principalId)}${suffix}`);
  }

  status(): Promise<NodeStatus> {
    return this.json('GET', paths.status);
  }

  async peers(): Promise<PeerList['peers']> {
    return (await this.json<PeerList>('GET', paths.peers)).peers;
  }

  /** The public keys the bridge knows by node id: what expanding a commit's compact votes needs. */
  async keys(): Promise<KeyList['keys']> {
    return (await this.json<KeyList>('GET', paths.keys)).keys;
  }

  /** The connected peers and the routing table's fill per bucket (`routing`, from nodes that have discovery). */
  peerList(): Promise<PeerList> {
    return this.json('GET', paths.peers);
  }

  health(): Promise<Health> {
    return this.json('GET', paths.health);
  }

  /** Prometheus text exposition. */
  metrics(): Promise<string> {
    return this.text('GET', paths.metrics);
  }

  /** The bridge's OpenAPI 3.1 document. */
  openapi(): Promise<Record<string, unknown>> {
    return this.json('GET', paths.openapi);
  }

  // ---- Stream -----------------------------------------------------------------------------------------------

  /**
   * Every ledger change at this bridge, in order, as an async iterator. Breaking out of the loop (or aborting
   * `signal`) closes the connection. Seqs are this bridge's own: resume against the same bridge.
   */
  async *stream(options: StreamOptions = {}): AsyncGenerator<ChangeEvent> {
    let lastId = options.lastEventId;
    let retryMs = options.retryMs ?? 2_000;
    const reconnect = options.reconnect ?? true;
    const idleMs = options.idleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS;
    /** Failed attempts since a connection last opened. */
    let failures = 0;
    for (;;) {
      const controller = new AbortController();
      const abort = () => controller.abort();
      options.signal?.addEventListener('abort', abort, { once: true });
      const silent = new TrustMeshApiError(
        CLIENT_CODES.unreachable,
        `the stream was silent for ${idleMs} ms`,
        0,
      );
      let idle: ReturnType<typeof setTimeout> | undefined;
      const quiet = () => clearTimeout(idle);
      /** (Re)starts the silence timer; it is stopped while the consumer holds an event. */
      const heard = () => {
        quiet();
        if (idleMs > 0) idle = setTimeout(() => controller.abort(silent), idleMs);
      };
      try {
        if (options.signal?.aborted) return;
        heard();
        const response = await this.send('GET', paths.stream, undefined, controller.signal, {
          accept: 'text/event-stream',
          ...(lastId === undefined ? {} : { 'last-event-id': String(lastId) }),
        });
        if (!response.ok) throw await errorOf(response);
        failures = 0;
        for await (const message of readSse(response.body!, {
          onRetry: (ms) => (retryMs = ms),
          onChunk: heard,
        })) {
          // Every id is a place to resume from: the opening `ready` event's too, which carries no change but
          // says where the stream starts, so a connection lost before the first change still resumes exactly.
          if (message.id !== undefined && /^\d{1,15}$/.test(message.id)) lastId = Number(message.id);
          if (message.event === 'ready') continue;
          const event = JSON.parse(message.data) as StreamEvent;
          quiet();
          yield { ...event, name: message.event };
          heard();
        }
        if (!reconnect) return;
        options.onReconnect?.(new TrustMeshApiError(CLIENT_CODES.unreachable, 'stream ended', 0), ++failures);
      } catch (error) {
        if (options.signal?.aborted) return;
        const cause = controller.signal.reason === silent ? silent : error;
        if (!reconnect || isFatal(cause)) throw cause;
        options.onReconnect?.(cause, ++failures);
      } finally {
        quiet();
        options.signal?.removeEventListener('abort', abort);
        controller.abort();
      }
      await sleep(retryMs, options.signal);
    }
  }

  // ---- Plumbing -----------------------------------------------------------------------------------------------

  private async orNull<T>(pending: Promise<T>): Promise<T | null> {
    try {
      return await pending;
    } catch (error) {
      if (error instanceof TrustMeshApiError && error.status === 404 && error.code === 'TM_ERR_NOT_FOUND')
        return null;
      throw error;
    }
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await this.text(method, path, body);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new TrustMeshApiError(
        CLIENT_CODES.badResponse,
        `${method} ${path}: the answer is not JSON: ${JSON.stringify(text.slice(0, 100))}`,
        0,
      );
    }
  }

  /** The body of a successful answer; the time limit covers reading it too. */
  private async text(method: string, path: string, body?: unknown): Promise<string> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const response = await this.send(method, path, body, signal);
    if (!response.ok) throw await errorOf(response);
    try {
      return await response.text();
    } catch (error) {
      throw this.unreachable(method, path, signal, error);
    }
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    try {
      return await this.fetch(`${this.base}${path}`, {
        method,
        signal,
        headers: {
          ...headers,
          ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw this.unreachable(method, path, signal, error);
    }
  }

  /** A failed exchange as TM_ERR_UNREACHABLE; the caller's own abort passes through as it is. */
  private unreachable(method: string, path: string, signal: AbortSignal, error: unknown): unknown {
    if (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError')
      return new TrustMeshApiError(
        CLIENT_CODES.unreachable,
        `${method} ${path}: no complete answer in ${this.timeoutMs} ms`,
        0,
      );
    if (signal.aborted) return error;
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    return new TrustMeshApiError(CLIENT_CODES.unreachable, `${this.base}: ${reason}`, 0);
  }
}
