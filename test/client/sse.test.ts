// The client's SSE parser against the EventSource parsing rules: any line ending, chunks split anywhere,
// comments, multi-line data, ids and retry, and events without data (which are not dispatched).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SseMessage, SseParser } from '../../src/client/sse.js';

function parse(chunks: readonly string[]): { messages: SseMessage[]; retries: number[] } {
  const messages: SseMessage[] = [];
  const retries: number[] = [];
  const parser = new SseParser({ onMessage: (m) => messages.push(m), onRetry: (ms) => retries.push(ms) });
  for (const chunk of chunks) parser.push(chunk);
  return { messages, retries };
}

const STREAM =
  'retry: 2000\n: a comment\n\nid: 7\nevent: revocation\ndata: {"a":1}\n\nid: 8\ndata: line one\ndata: line two\n\n';

describe('SSE parser', () => {
  test('reads events, ids, multi-line data and retry; skips comments', () => {
    const { messages, retries } = parse([STREAM]);
    assert.deepEqual(retries, [2000]);
    assert.deepEqual(messages, [
      { id: '7', event: 'revocation', data: '{"a":1}' },
      { id: '8', event: 'message', data: 'line one\nline two' },
    ]);
  });

  test('gives the same events however the text is split, and with CRLF or CR line ends', () => {
    const expected = parse([STREAM]).messages;
    for (const ending of ['\n', '\r\n', '\r']) {
      const text = STREAM.replace(/\n/g, ending);
      for (let size = 1; size <= 7; size++) {
        const chunks: string[] = [];
        for (let at = 0; at < text.length; at += size) chunks.push(text.slice(at, at + size));
        assert.deepEqual(
          parse(chunks).messages,
          expected,
          `ending ${JSON.stringify(ending)}, chunks of ${size}`,
        );
      }
    }
  });

  test('an event without data is not dispatched, but its id still counts', () => {
    const { messages } = parse(['id: 3\nevent: x\n\ndata: after\n\n']);
    assert.deepEqual(messages, [{ id: '3', event: 'message', data: 'after' }]);
  });

  test('an unfinished event at the end of the text is held back', () => {
    assert.deepEqual(parse(['id: 1\ndata: half']).messages, []);
  });
});
