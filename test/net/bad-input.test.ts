// Acceptance tests of hostile input after the handshake (issue #2, items 2 and 3): every bad frame is refused
// with a typed, logged reason, its sender dropped when the fault is its own, and the node goes on serving others.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { ErrorCode } from '../../src/core/errors.js';
import type { Revocation } from '../../src/core/messages/schemas.js';
import { internals } from '../../src/node/internals.js';
import type { TrustMeshNode } from '../../src/node/node.js';
import { EntryMaker } from '../support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../support/fixtures.js';
import { captureLogger, type LogRecord, RawPeer, TestMesh, waitFor } from '../support/mesh.js';

const STAKES = [10, 10, 10];
const WARN = 40;

describe('bad input after the handshake is refused, and the node keeps serving its other peers', () => {
  let mesh: TestMesh;
  let node: TrustMeshNode;
  let honest: TrustMeshNode;
  let attacker: RawPeer;
  let maker: EntryMaker;
  let logs: LogRecord[];
  let drops: Array<{ peer: string; type: string; kind: string; code: ErrorCode }>;
  let disconnects: Map<string, ErrorCode | null>;
  let seenByNode: Set<string>;
  let seenByHonest: Set<string>;
  let round = 0;

  beforeEach(async () => {
    mesh = new TestMesh(testNetwork(STAKES));
    const captured = captureLogger();
    logs = captured.records;
    node = await mesh.start(testKeyPair(0), {}, { logger: captured.logger });
    honest = await mesh.start(testKeyPair(1));
    await mesh.link(honest, node);
    drops = [];
    disconnects = new Map();
    node.on('peer:disconnected', (peer, code) => disconnects.set(peer, code));
    node.on('dropped', (peer, type, kind, code) => drops.push({ peer, type, kind, code }));
    seenByNode = new Set();
    seenByHonest = new Set();
    node.on('message', (message) => {
      if ('id' in message) seenByNode.add(message.id);
    });
    honest.on('message', (message) => {
      if ('id' in message) seenByHonest.add(message.id);
    });
    maker = new EntryMaker({ network: mesh.network, clock: new ManualClock(Date.now()) });
    attacker = await RawPeer.connect(node.endpoint, testKeyPair(2), mesh.network.networkId, mesh);
    await attacker.handshake();
    await waitFor(() => node.isConnectedTo(attacker.signer.nodeId), 2_000, 'attacker established');
  });
  afterEach(() => mesh.cleanup());

  /** The honest peer and the node still exchange signed messages both ways. */
  async function assertStillServing(): Promise<void> {
    round++;
    const subject = { kind: 'network' as const, id: 'test-net' };
    const out = node.alert({ severity: 'info', subject, summary: `node still serving ${round}` });
    await waitFor(() => seenByHonest.has(out.id), 5_000, 'the honest peer to get the node’s alert');
    const back = honest.alert({ severity: 'info', subject, summary: `peer still served ${round}` });
    await waitFor(() => seenByNode.has(back.id), 5_000, 'the node to get the honest peer’s alert');
    assert.ok(node.isConnectedTo(honest.nodeId));
  }

  /** The attacker was closed with `wsCode`, and the node logged the refusal at warn with a typed code. */
  async function assertDropped(wsCode: number, code: ErrorCode, reason: string = code): Promise<void> {
    const closed = await attacker.waitForClose();
    assert.deepEqual(closed, { code: wsCode, reason });
    await waitFor(
      () => logs.some((r) => r.msg === 'closing connection' && r.code === code && r.level >= WARN),
      2_000,
      `a logged ${code}`,
    );
    await waitFor(() => disconnects.has(attacker.signer.nodeId), 2_000, 'the attacker dropped');
    assert.equal(disconnects.get(attacker.signer.nodeId), code, 'peer:disconnected carries the code');
    assert.equal(node.isConnectedTo(attacker.signer.nodeId), false);
  }

  test('garbage bytes instead of HTTP are answered 400 and the socket closed', async () => {
    const socket = connect(node.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (data) => (answer += data.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a, 0xde, 0xad]));
    await closed;
    assert.match(answer, /^HTTP\/1\.1 400 /);
    await assertStillServing();
    assert.ok(node.isConnectedTo(attacker.signer.nodeId), 'unrelated peers are untouched');
  });

  test('garbage bytes inside the WebSocket stream break framing: closed 1002, logged, node serves on', async () => {
    attacker.sendBytes(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x02, 0x03]));
    const closed = await attacker.waitForClose();
    assert.equal(closed.code, 1002);
    await waitFor(
      () => logs.some((r) => r.msg === 'closing connection' && r.level >= WARN && r.wsError !== undefined),
      2_000,
      'a logged framing error',
    );
    await waitFor(() => !node.isConnectedTo(attacker.signer.nodeId), 2_000, 'the attacker dropped');
    await assertStillServing();
  });

  test('a binary frame is refused (TM_ERR_FRAME_BINARY)', async () => {
    attacker.socket.send(Buffer.from([1, 2, 3, 4, 5]), { binary: true });
    await assertDropped(1008, 'TM_ERR_FRAME_BINARY');
    await assertStillServing();
  });

  test('a text frame that is not UTF-8 is refused (ws 1007, TM_ERR_FRAME_NOT_JSON)', async () => {
    attacker.sendFrame(0x1, Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0xfe, 0x7d]));
    await assertDropped(1007, 'TM_ERR_FRAME_NOT_JSON', '');
    await assertStillServing();
  });

  test('invalid JSON is refused (TM_ERR_FRAME_NOT_JSON)', async () => {
    attacker.sendText('{"type":"TRUST_UPDATE",');
    await assertDropped(1008, 'TM_ERR_FRAME_NOT_JSON');
    await assertStillServing();
  });

  test('JSON that is not a message object is refused (TM_ERR_FRAME_NOT_OBJECT)', async () => {
    attacker.sendText('[1,2,3]');
    await assertDropped(1008, 'TM_ERR_FRAME_NOT_OBJECT');
    await assertStillServing();
  });

  test('a known type that breaks its schema is refused (TM_ERR_SCHEMA_INVALID)', async () => {
    attacker.sendJson({ ...maker.alert(1), severity: 'apocalyptic' });
    await assertDropped(1008, 'TM_ERR_SCHEMA_INVALID');
    await assertStillServing();
  });

  test('a frame above maxFrameBytes is cut off by the socket (ws 1009, TM_ERR_FRAME_TOO_LARGE)', async () => {
    attacker.sendText(
      JSON.stringify({ type: 'PING', padding: 'x'.repeat(mesh.network.params.maxFrameBytes) }),
    );
    await assertDropped(1009, 'TM_ERR_FRAME_TOO_LARGE', '');
    await assertStillServing();
  });

  test('an unknown message type is ignored, not fatal: the sender stays connected', async () => {
    attacker.sendJson({ type: 'GOSSIP_FROM_THE_FUTURE', version: '1.0', id: 'x-1', data: [1, 2, 3] });
    const alert = maker.alert(2, 'after an unknown type');
    attacker.sendJson(alert);
    await waitFor(() => seenByNode.has(alert.id), 2_000, 'the next message to be accepted');
    const ignored = logs.find((r) => r.msg === 'frame ignored');
    assert.equal(ignored?.code, 'TM_ERR_UNKNOWN_TYPE');
    assert.equal(attacker.closed, false);
    assert.ok(node.isConnectedTo(attacker.signer.nodeId));
    await assertStillServing();
  });

  test('a forwarded message with one field changed is refused (TM_ERR_SIG_INVALID) and its relay dropped', async () => {
    const original = maker.revocation({ agentId: 'agent-7', principalId: 'p' }, { origin: 1 });
    const tampered: Revocation = { ...original, payload: { ...original.payload, reason: 'tampered' } };
    attacker.sendJson(tampered);
    await assertDropped(1008, 'TM_ERR_SIG_INVALID');
    assert.ok(
      drops.some((d) => d.kind === 'reject' && d.code === 'TM_ERR_SIG_INVALID' && d.type === 'REVOCATION'),
    );
    assert.ok(logs.some((r) => r.msg === 'message dropped' && r.code === 'TM_ERR_SIG_INVALID'));
    assert.equal(node.record('agent-7', 'p'), null, 'nothing of it was stored');
    assert.equal(seenByHonest.has(original.id), false, 'nor forwarded');
    await assertStillServing();
  });

  test('a replayed message id is dropped as TM_ERR_DUPLICATE without penalising the sender', async () => {
    const alert = maker.alert(1, 'said once, sent twice');
    attacker.sendJson(alert);
    // Laid out differently, so the copy is not byte-identical: the frame filter (which drops those unparsed once
    // the first is handled — whether it was depends on when the socket hands over the second) cannot catch it.
    attacker.sendText(JSON.stringify(alert, null, 1));
    const fromAttacker = () => drops.filter((d) => d.peer === attacker.signer.nodeId);
    await waitFor(() => fromAttacker().length > 0, 2_000, 'the duplicate');
    assert.deepEqual(fromAttacker(), [
      { peer: attacker.signer.nodeId, type: 'SECURITY_ALERT', kind: 'ignore', code: 'TM_ERR_DUPLICATE' },
    ]);
    assert.ok(seenByNode.has(alert.id), 'the first copy was accepted');
    assert.ok(logs.some((r) => r.msg === 'message dropped' && r.code === 'TM_ERR_DUPLICATE'));
    await waitFor(() => seenByHonest.has(alert.id), 2_000, 'the first copy forwarded');
    // A byte-identical copy, whichever path drops it (the frame filter unparsed, or the engine's seen-cache).
    const dropped = () => node.stats().engine.duplicatesDropped + node.stats().duplicateFramesDropped;
    const droppedBefore = dropped();
    const scoreOf = () => internals(node).judge.scoreOf(attacker.signer.nodeId);
    const since = Date.now();
    const scoreBefore = scoreOf();
    attacker.sendJson(alert);
    await waitFor(() => dropped() > droppedBefore, 2_000, 'the byte-identical copy dropped');
    // Read before the clock: scores decay towards zero (half-life 60 s), so without a penalty (an excess costs 1)
    // the score is no lower than its decay over the time measured.
    const scoreAfter = scoreOf();
    const floor = Math.min(scoreBefore, scoreBefore * 0.5 ** ((Date.now() - since) / 60_000));
    assert.ok(
      scoreAfter >= floor - 1e-9,
      `a copy costs the sender no score (${scoreBefore} → ${scoreAfter})`,
    );
    assert.equal(attacker.closed, false);
    assert.ok(node.isConnectedTo(attacker.signer.nodeId));
    await assertStillServing();
  });

  test('a flood of one message id is dropped before any signature check', async () => {
    const N = 2_000;
    const alert = maker.alert(1, 'flood');
    // The honest peer's announce is the only other message in flight after linking: let it land first, so the
    // counters below see the flood alone.
    await waitFor(
      () => internals(node).engine.announces.get(honest.nodeId) !== undefined,
      2_000,
      "the honest peer's announce",
    );
    // Copies are dropped in the engine (seen-cache) or, once the first has been handled, unparsed as frames.
    const dropped = () => node.stats().engine.duplicatesDropped + node.stats().duplicateFramesDropped;
    const droppedBefore = dropped();
    const framesBefore = node.stats().duplicateFramesDropped;
    // Only the alert's own acceptance is counted: sync rounds and announces are accepted link traffic too.
    let acceptedCopies = 0;
    node.on('message', (message) => {
      if ('id' in message && message.id === alert.id) acceptedCopies++;
    });
    const verifierBefore = { ...internals(node).engine.verifier.stats };
    for (let i = 0; i < N; i++) attacker.sendJson(alert);
    await waitFor(() => dropped() - droppedBefore >= N - 1, 10_000, `${N - 1} duplicates dropped`);
    assert.equal(dropped() - droppedBefore, N - 1);
    assert.ok(node.stats().duplicateFramesDropped - framesBefore > 0, 'later copies are not even parsed');
    assert.equal(acceptedCopies, 1, 'the alert was accepted once');
    assert.equal(
      internals(node).engine.verifier.stats.verified - verifierBefore.verified,
      1,
      'one Ed25519 check',
    );
    assert.equal(
      internals(node).engine.verifier.stats.cached - verifierBefore.cached,
      0,
      'not even a cache lookup',
    );
    assert.equal(internals(node).engine.verifier.stats.failed - verifierBefore.failed, 0);
    assert.equal(attacker.closed, false, 'duplicates are not the sender’s fault');
    await assertStillServing();
  });

  test('a copy of a message refused for a reason that may change is parsed and judged again, not dropped unread', async () => {
    // Dated beyond the clock skew: refused for now (TM_ERR_TIMESTAMP_SKEW), acceptable once the clocks agree.
    const ahead = new Date(Date.now() + 5 * 60_000).toISOString();
    const update = maker.update({ agentId: 'later', principalId: 'p' }, { origin: 2, timestamp: ahead });
    const framesBefore = node.stats().duplicateFramesDropped;
    attacker.sendJson(update);
    await waitFor(() => drops.some((drop) => drop.code === 'TM_ERR_TIMESTAMP_SKEW'), 2_000, 'first refusal');
    attacker.sendJson(update);
    await waitFor(
      () => drops.filter((drop) => drop.code === 'TM_ERR_TIMESTAMP_SKEW').length === 2,
      2_000,
      'the copy judged again',
    );
    assert.equal(node.stats().duplicateFramesDropped, framesBefore);
  });
});
