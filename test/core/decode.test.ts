import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeFrame, decodeValue, MAX_NESTING } from '../../src/core/messages/decode.js';
import { MESSAGE_SCHEMAS } from '../../src/core/messages/schemas.js';

const MAX = 64 * 1024;
const codeOf = (text: string) => {
  const outcome = decodeFrame(text, MAX);
  return outcome.kind === 'accept' ? 'accept' : `${outcome.kind}:${outcome.code}`;
};

describe('frame decoding', () => {
  test('garbage, invalid JSON and non-objects are rejected with typed codes', () => {
    assert.equal(codeOf('\u0000\u0001garbage'), 'reject:TM_ERR_FRAME_NOT_JSON');
    assert.equal(codeOf('{"type":'), 'reject:TM_ERR_FRAME_NOT_JSON');
    assert.equal(codeOf('[1,2]'), 'reject:TM_ERR_FRAME_NOT_OBJECT');
    assert.equal(codeOf('42'), 'reject:TM_ERR_FRAME_NOT_OBJECT');
    assert.equal(codeOf('{"type":7}'), 'reject:TM_ERR_FRAME_NOT_OBJECT');
  });

  test('oversized frames are rejected before parsing', () => {
    const big = JSON.stringify({ type: 'PING', timestamp: '2026-01-01T00:00:00Z', pad: 'x'.repeat(MAX) });
    assert.equal(codeOf(big), 'reject:TM_ERR_FRAME_TOO_LARGE');
    // Multi-byte characters count in bytes, not UTF-16 units.
    const wide = JSON.stringify({ type: 'PING', pad: '€'.repeat(MAX / 3 + 10) });
    assert.equal(codeOf(wide), 'reject:TM_ERR_FRAME_TOO_LARGE');
  });

  test('crafted values in place of strings never throw', () => {
    // String() of an object whose toString is not callable throws; a frame must never be able to do that.
    assert.equal(codeOf('{"type":"PING","version":{"toString":1}}'), 'ignore:TM_ERR_VERSION_UNSUPPORTED');
    assert.equal(codeOf('{"type":"PING","version":["1.0"]}'), 'ignore:TM_ERR_VERSION_UNSUPPORTED');
    assert.equal(codeOf('{"type":{"toString":1}}'), 'reject:TM_ERR_FRAME_NOT_OBJECT');
    assert.equal(codeOf('{"type":"__proto__"}'), 'ignore:TM_ERR_UNKNOWN_TYPE');
  });

  test('unknown types and versions are ignored, not fatal', () => {
    assert.equal(codeOf('{"type":"FROM_THE_FUTURE","version":"1.0"}'), 'ignore:TM_ERR_UNKNOWN_TYPE');
    assert.equal(
      codeOf('{"type":"PING","version":"2.0","timestamp":"2026-01-01T00:00:00Z"}'),
      'ignore:TM_ERR_VERSION_UNSUPPORTED',
    );
    assert.equal(codeOf('{"type":"toString"}'), 'ignore:TM_ERR_UNKNOWN_TYPE');
  });

  test('schema violations are rejected and name the field', () => {
    const outcome = decodeFrame('{"type":"PING","timestamp":"yesterday"}', MAX);
    assert.equal(outcome.kind, 'reject');
    assert.equal(outcome.kind === 'reject' && outcome.code, 'TM_ERR_SCHEMA_INVALID');
    assert.match(outcome.kind === 'reject' ? (outcome.detail ?? '') : '', /\/timestamp/);
    assert.equal(
      codeOf('{"type":"PING","timestamp":"2026-01-01T00:00:00Z","extra":1}'),
      'reject:TM_ERR_SCHEMA_INVALID',
    );
    assert.equal(codeOf('{"type":"PING","timestamp":"2026-01-01T00:00:00Z"}'), 'accept');
  });

  test('every message type the spec and design name has a schema', () => {
    for (const type of [
      'HANDSHAKE',
      'HANDSHAKE_ACK',
      'PING',
      'PONG',
      'TRUST_UPDATE',
      'REVOCATION',
      'PEER_ANNOUNCE',
      'VOTE',
      'COMMIT',
      'KEY_ROTATION',
      'SECURITY_ALERT',
      'BLACKLIST',
      'FIND_NODE',
      'NODES',
      'SYNC_STATUS_REQUEST',
      'SYNC_STATUS',
      'SYNC_ROOTS_REQUEST',
      'SYNC_ROOTS',
      'SYNC_BLOCK_REQUEST',
      'SYNC_BLOCK',
      'SYNC_REFUSED',
      'QUERY',
      'QUERY_RESULT',
    ]) {
      assert.ok(Object.hasOwn(MESSAGE_SCHEMAS, type), type);
    }
  });

  test('sync messages: valid ones decode, every bound is enforced', () => {
    const digest = 'ab'.repeat(32);
    const json = (value: object) => JSON.stringify({ version: '1.0', id: 'r-1', ...value });
    const status = {
      type: 'SYNC_STATUS',
      latestHeight: -1,
      summaryRoot: digest,
      entryCount: 0,
      state: 'synced',
    };
    const rootsRequest = { type: 'SYNC_ROOTS_REQUEST', top: 9_999, level: 3, indexes: [0] };
    const roots = { type: 'SYNC_ROOTS', top: 9_999, level: 0, roots: [digest] };
    const blockRequest = { type: 'SYNC_BLOCK_REQUEST', height: 12, part: 'critical', offset: 0 };
    const block = {
      type: 'SYNC_BLOCK',
      height: 12,
      part: 'commits',
      offset: 0,
      entries: [],
      root: digest,
      criticalRoot: digest,
      commitRoot: digest,
      criticalCount: 0,
      commitCount: 0,
    };
    const refused = { type: 'SYNC_REFUSED', code: 'TM_ERR_SYNC_REQUEST_INVALID', latestHeight: 3 };
    for (const valid of [
      { type: 'SYNC_STATUS_REQUEST' },
      status,
      rootsRequest,
      roots,
      blockRequest,
      block,
      refused,
    ]) {
      assert.equal(codeOf(json(valid)), 'accept', valid.type);
    }
    assert.equal(codeOf(json({ ...block, next: 5 })), 'accept');
    const invalid = [
      { type: 'SYNC_STATUS_REQUEST', extra: 1 },
      { ...status, latestHeight: -2 },
      { ...status, latestHeight: 2 ** 32 },
      { ...status, state: 'bored' },
      { ...status, summaryRoot: 'AB'.repeat(32) },
      { ...status, entryCount: 1.5 },
      { ...rootsRequest, indexes: [] },
      { ...rootsRequest, indexes: Array(1025).fill(0) },
      { ...rootsRequest, level: 9 },
      { ...rootsRequest, indexes: [-1] },
      { ...roots, roots: Array(1025).fill(digest) },
      { ...blockRequest, part: 'both' },
      { ...blockRequest, offset: -1 },
      { ...blockRequest, height: 1.5 },
      { ...block, entries: [{ type: 'VOTE' }] },
      { ...block, entries: Array(1001).fill({}) },
      { ...block, next: 10_000_001 },
      { ...refused, code: 'anything' },
    ];
    for (const value of invalid) {
      // Parsed values, not frames: some of these would not fit a frame at all.
      const outcome = decodeValue(JSON.parse(json(value)));
      assert.equal(
        outcome.kind === 'reject' && outcome.code,
        'TM_ERR_SCHEMA_INVALID',
        json(value).slice(0, 80),
      );
    }
    assert.equal(
      codeOf(JSON.stringify({ ...blockRequest, version: '1.0' })),
      'reject:TM_ERR_SCHEMA_INVALID',
      'no id',
    );
    // The old placeholders are gone: a node that still sends them is ignored, not fatal.
    assert.equal(codeOf(json({ type: 'GET_BLOCKS', from: 0, to: 1 })), 'ignore:TM_ERR_UNKNOWN_TYPE');
  });

  test('values nested deeper than MAX_NESTING are rejected before the schema (they would overflow signing)', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const alert = (inner: string) =>
      `{"type":"SECURITY_ALERT","version":"1.0","id":"a-1","timestamp":"2026-01-01T00:00:00Z",` +
      `"origin":"${'a'.repeat(64)}","originKey":"${'A'.repeat(43)}=","priority":"CRITICAL","severity":"info",` +
      `"subject":{"kind":"node","id":"n"},"summary":"s","evidence":[{"a":${inner}}],"signature":"${'A'.repeat(86)}=="}`;
    // root, evidence, item: three levels before the nested arrays.
    assert.equal(codeOf(alert(nested(MAX_NESTING - 3))), 'accept');
    assert.equal(codeOf(alert(nested(MAX_NESTING - 2))), 'reject:TM_ERR_SCHEMA_INVALID');
    assert.equal(codeOf(alert(nested(20_000))), 'reject:TM_ERR_SCHEMA_INVALID');
  });

  test('values without a canonical form are rejected: lone surrogates in strings or keys, numbers beyond doubles', () => {
    const update = (agentId: string, score = '500', extra = '') =>
      `{"type":"TRUST_UPDATE","version":"1.0","id":"u-1","timestamp":"2026-01-01T00:00:00Z",` +
      `"origin":"${'a'.repeat(64)}","originKey":"${'A'.repeat(43)}=","payload":{"agentId":"${agentId}",` +
      `"principalId":"p","trustScore":${score},"event":"SCORE_UPDATE","signature":"${'A'.repeat(86)}=="${extra}}}`;
    assert.equal(codeOf(update('agent-\\ud83d\\ude00')), 'accept', 'a surrogate pair is one character');
    assert.equal(codeOf(update('agent-😀')), 'accept');
    assert.equal(codeOf(update('agent-\\ud800')), 'reject:TM_ERR_SCHEMA_INVALID');
    assert.equal(codeOf(update('\\udc00-agent')), 'reject:TM_ERR_SCHEMA_INVALID');
    assert.equal(codeOf(update('a', '1e400')), 'reject:TM_ERR_SCHEMA_INVALID');
    const alert = (evidence: string) =>
      `{"type":"SECURITY_ALERT","version":"1.0","id":"a-1","timestamp":"2026-01-01T00:00:00Z",` +
      `"origin":"${'a'.repeat(64)}","originKey":"${'A'.repeat(43)}=","priority":"CRITICAL","severity":"info",` +
      `"subject":{"kind":"node","id":"n"},"summary":"s","evidence":[${evidence}],"signature":"${'A'.repeat(86)}=="}`;
    assert.equal(codeOf(alert('{"a":1e308,"b":"ok"}')), 'accept');
    assert.equal(codeOf(alert('{"a":-1e400}')), 'reject:TM_ERR_SCHEMA_INVALID');
    assert.equal(codeOf(alert('{"\\ud800":1}')), 'reject:TM_ERR_SCHEMA_INVALID');
    assert.equal(codeOf(alert('{"a":["\\udfff"]}')), 'reject:TM_ERR_SCHEMA_INVALID');
    // Not escaped but in the text itself (a socket's frame never has one; a caller's string may).
    assert.equal(codeOf(alert('{"a":["\udfff"]}')), 'reject:TM_ERR_SCHEMA_INVALID');
    assert.equal(codeOf(alert('{"\ud800":1}')), 'reject:TM_ERR_SCHEMA_INVALID');
    assert.equal(codeOf(alert('{"a":"😀"}')), 'accept');
  });
});
