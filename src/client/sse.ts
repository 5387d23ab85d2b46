// A Server-Sent Events parser over a fetch body (WHATWG EventSource parsing rules: LF, CR or CRLF line ends,
// comments, multi-line data, `retry:`), so the client needs no EventSource and can send an Authorization header.

export interface SseMessage {
  /** The `id:` field, when the event carried one. */
  id: string | undefined;
  /** The `event:` field; 'message' when absent. */
  event: string;
  data: string;
}

export interface SseParserEvents {
  onMessage(message: SseMessage): void;
  onRetry?(ms: number): void;
}

/** Incremental: feed it text as it arrives; it calls back once per complete event. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private sawCarriageReturn = false;

  constructor(private readonly events: SseParserEvents) {}

  push(text: string): void {
    let chunk = text;
    // A CRLF split across two chunks: the LF belongs to the line the CR already ended.
    if (this.sawCarriageReturn && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.sawCarriageReturn = chunk.endsWith('\r');
    this.buffer += chunk;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop()!;
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.events.onRetry?.(Number(value));
        break;
    }
  }

  private dispatch(): void {
    if (this.data.length > 0) {
      this.events.onMessage({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
    }
    this.data = [];
    this.event = '';
  }
}

export interface ReadSseOptions {
  /** The stream's `retry:` field, in milliseconds. */
  onRetry?(ms: number): void;
  /** Any bytes arrived, comments (heartbeats) included. */
  onChunk?(): void;
}

/** Reads a response body to its end, yielding each complete event. */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  options: ReadSseOptions = {},
): AsyncGenerator<SseMessage> {
  const ready: SseMessage[] = [];
  const parser = new SseParser({
    onMessage: (message) => ready.push(message),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      options.onChunk?.();
      parser.push(decoder.decode(value, { stream: true }));
      while (ready.length > 0) yield ready.shift()!;
    }
  } finally {
    // Stops the download when the consumer leaves early; harmless when the body already ended.
    await reader.cancel().catch(() => undefined);
  }
}
