// TrustMeshClient: a typed client for a bridge node's HTTP API, on the global fetch (Node 20+, browsers, Deno).
// Errors arrive as TrustMeshApiError with the server's stable code; the change stream is an async iterator
// that reconnects with Last-Event-ID, so a consumer sees every change once even across dropped connections.
import { paths } from '../api/links.js';
import type {
  ApiErrorBody,
  EventInput,
  Health,
  HistoryPage,
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
  /** Told about each failure that leads to a reconnection. */
  readonly onReconnect?: (error: unknown, attempt: number) => void;
}

/** A change from the stream: the JSON of its `data:` line plus the SSE event name. */
export type ChangeEvent = StreamEvent & { name: string };

/** An error answer from the bridge (or `TM_ERR_UNREACHABLE`, status 0, when there was no answer at all). */
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

  /** Polls an update until it is committed or rejected. */
  async waitForUpdate(id: string, options: WaitOptions = {}): Promise<UpdateStatus> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const status = await this.update(id);
      if (status === null) throw new TrustMeshApiError('TM_ERR_NOT_FOUND', `no update ${id}`, 404);
      if (status.status !== 'pending') return status;
      if (Date.now() >= deadline)
        throw new TrustMeshApiError('TM_ERR_PROPOSAL_EXPIRED', `update ${id} still pending`, 408);
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

  health(): Promise<Health> {
    return this.json('GET', paths.health);
  }

  /** Prometheus text exposition. */
  async metrics(): Promise<string> {
    return (await this.request('GET', paths.metrics)).text();
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
    for (let attempt = 1; ; attempt++) {
      const controller = new AbortController();
      const abort = () => controller.abort();
      options.signal?.addEventListener('abort', abort, { once: true });
      try {
        if (options.signal?.aborted) return;
        const response = await this.send('GET', paths.stream, undefined, controller.signal, {
          accept: 'text/event-stream',
          ...(lastId === undefined ? {} : { 'last-event-id': String(lastId) }),
        });
        if (!response.ok) throw await errorOf(response);
        attempt = 0;
        for await (const message of readSse(response.body!, (ms) => (retryMs = ms))) {
          const event = JSON.parse(message.data) as StreamEvent;
          if (message.id !== undefined) lastId = Number(message.id);
          yield { ...event, name: message.event };
        }
        if (!reconnect) return;
        options.onReconnect?.(new TrustMeshApiError('TM_ERR_UNREACHABLE', 'stream ended', 0), attempt);
      } catch (error) {
        if (options.signal?.aborted) return;
        if (!reconnect || isFatal(error)) throw error;
        options.onReconnect?.(error, attempt);
      } finally {
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
    return (await (await this.request(method, path, body)).json()) as T;
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await this.send(method, path, body, AbortSignal.timeout(this.timeoutMs));
    if (!response.ok) throw await errorOf(response);
    return response;
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
      if (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError')
        throw new TrustMeshApiError(
          'TM_ERR_UNREACHABLE',
          `${method} ${path}: no answer in ${this.timeoutMs} ms`,
          0,
        );
      if (signal.aborted) throw error;
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new TrustMeshApiError('TM_ERR_UNREACHABLE', `${this.base}: ${reason}`, 0);
    }
  }
}
