// The candidate book: who vouched for a node, backoff after failed dials, stale candidates forgotten, the bound.
// Plain data, no sockets: ids and endpoints are made up.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PeerInfo } from '../../../src/core/messages/schemas.js';
import { CandidateBook, MAX_FAILURES } from '../../../src/net/kad/candidates.js';

const SELF = '0'.repeat(64);
const info = (n: number, endpoint = `ws://10.0.0.${n}:1/mesh`): PeerInfo => ({
  nodeId: n.toString(16).padStart(64, '1'),
  publicKey: 'k',
  endpoints: [endpoint],
  capabilities: [],
});

describe('CandidateBook', () => {
  it('counts a candidate vouched for by two peers, the store, or having been reached', () => {
    const book = new CandidateBook(SELF);
    book.heard(info(1), 'peer-a');
    assert.equal(book.vouched(book.get(info(1).nodeId)!), false);
    book.heard(info(1), 'peer-a');
    assert.equal(book.vouched(book.get(info(1).nodeId)!), false, 'the same peer twice is one word');
    book.heard(info(1), 'peer-b');
    assert.equal(book.vouched(book.get(info(1).nodeId)!), true);
    book.heard(info(2), 'store');
    assert.equal(book.vouched(book.get(info(2).nodeId)!), true);
  });

  it('ignores itself and nodes with no dialable endpoint; a later peer cannot redirect a candidate', () => {
    const book = new CandidateBook(SELF);
    book.heard({ ...info(1), nodeId: SELF }, 'peer-a');
    book.heard(info(3, 'ws:///mesh'), 'peer-a');
    assert.equal(book.size, 0);
    book.heard(info(4), 'peer-a');
    book.heard(info(4, 'ws://10.6.6.6:1/mesh'), 'peer-b');
    assert.deepEqual(book.get(info(4).nodeId)!.info.endpoints, ['ws://10.0.0.4:1/mesh']);
  });

  it('backs off after failed dials and forgets a candidate that keeps failing', () => {
    const book = new CandidateBook(SELF);
    book.heard(info(1), 'peer-a');
    book.failed(info(1).nodeId, 1_000);
    assert.deepEqual(book.dialable(1_000), []);
    assert.equal(book.dialable(6_000).length, 1);
    book.reached(info(1).nodeId);
    assert.equal(book.get(info(1).nodeId)!.failures, 0);
    for (let i = 0; i < MAX_FAILURES; i++) book.failed(info(1).nodeId, 1_000);
    assert.equal(book.get(info(1).nodeId), undefined);
  });

  it('stays bounded whatever it is told', () => {
    const book = new CandidateBook(SELF);
    for (let n = 0; n < 5_000; n++) book.heard(info(n + 1, `ws://10.${n >> 8}.${n & 255}.1:1/mesh`), 'flood');
    assert.equal(book.size, 4_096);
  });
});
