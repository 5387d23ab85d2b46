import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeFrame } from '../../src/core/messages/decode.js';
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
      'GET_HEIGHT',
      'HEIGHT',
      'GET_ROOTS',
      'ROOTS',
      'GET_BLOCKS',
      'BLOCKS',
      'QUERY',
      'QUERY_RESULT',
    ]) {
      assert.ok(Object.hasOwn(MESSAGE_SCHEMAS, type), type);
    }
  });
});
