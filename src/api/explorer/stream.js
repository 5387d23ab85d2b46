// The change stream (GET /v1/stream) read with fetch, not EventSource: EventSource cannot send the bearer token.
// Parses Server-Sent Events, resumes with Last-Event-ID after a dropped connection, stops on a 4xx but 429.

/** Splits SSE text into events; keeps the unfinished tail for the next chunk. */
export function parseEvents(buffer) {
  const events = [];
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const event = { id: null, name: 'message', data: [], retry: null };
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') event.id = value;
      else if (field === 'event') event.name = value;
      else if (field === 'data') event.data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) event.retry = Number(value);
    }
    events.push({ ...event, data: event.data.join('\n') });
  }
  return { events, rest };
}

/**
 * Follows the stream from `after` (a seq; 0 replays the whole ledger) until `signal` aborts. `onEvent(name, data,
 * seq)` gets each event; `onState(text, ok)` each change of connection state.
 */
export async function follow({ headers, after, signal, onEvent, onState }) {
  let lastId = String(after);
  let retryMs = 2000;
  while (!signal.aborted) {
    try {
      const response = await fetch('../v1/stream', {
        headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastId },
        signal,
        cache: 'no-store',
      });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        const text = `stream: ${response.status} ${body.code ?? ''} ${body.message ?? ''}`.trim();
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          onState(text, false);
          return;
        }
        throw new Error(text);
      }
      onState('live', true);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const { events, rest } = parseEvents(buffer);
        buffer = rest;
        for (const event of events) {
          if (event.retry !== null) retryMs = event.retry;
          if (event.id !== null) lastId = event.id;
          if (event.data === '') continue;
          let data;
          try {
            data = JSON.parse(event.data);
          } catch {
            continue;
          }
          onEvent(event.name, data, Number(event.id));
        }
      }
      throw new Error('stream ended');
    } catch (error) {
      if (signal.aborted) return;
      onState(`reconnecting (${error?.message ?? error})`, false);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}
