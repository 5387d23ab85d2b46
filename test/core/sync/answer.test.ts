import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeFrame } from '../../../src/core/messages/decode.js';
import type { LedgerEntry, SyncBlock, SyncResponse } from '../../../src/core/messages/schemas.js';
import { type AnswerLimits, answerSyncRequest } from '../../../src/core/sync/answer.js';
import { BlockIndex } from '../../../src/core/sync/block-index.js';
import { type BlockPart, blockRoots } from '../../../src/core/sync/blocks.js';
import { SummaryDiff } from '../../../src/core/sync/diff.js';
import { PartAssembler } from '../../../src/core/sync/receive.js';
import { sodiumCrypto } from '../../../src/crypto/sodium.js';
import { EntryMaker } from '../../support/entries.js';
import { ManualClock, testNetwork } from '../../support/fixtures.js';

const network = testNetwork([10, 10, 10]);
const { genesisTime: genesis, epochMs: epoch } = network;
const GRACE = 120_000;
const now = new ManualClock(genesis + 20 * epoch + GRACE);

/** An index over real entries: 12 commits and 3 revocations in block 3, 2 commits in block 7, one in 19. */
function served(): { index: BlockIndex; maker: EntryMaker } {
  const index = new BlockIndex(sodiumCrypto, network, now, GRACE);
  const maker = new EntryMaker({ network, clock: new ManualClock(genesis + 3 * epoch + 10) });
  for (let i = 0; i < 12; i++) {
    index.add(maker.commit({ agentId: `agent-${i}`, principalId: 'p' }, { origin: i % 3 }));
    maker.clock.advance(100);
    if (i % 4 === 0) index.add(maker.revocation({ agentId: `agent-${i}`, principalId: 'p' }));
  }
  maker.clock.time = genesis + 7 * epoch;
  index.add(maker.commit({ agentId: 'b7', principalId: 'p' }));
  index.add(maker.commit({ agentId: 'b7', principalId: 'q' }));
  maker.clock.time = genesis + 19 * epoch + 5;
  index.add(maker.commit({ agentId: 'b19', principalId: 'p' }));
  return { index, maker };
}

/** Every answer must be a frame the receiver's decoder takes. */
function asFrame(response: SyncResponse, limits: AnswerLimits): SyncResponse {
  const text = JSON.stringify(response);
  const decoded = decodeFrame(text, limits.maxFrameBytes);
  assert.equal(decoded.kind, 'accept', decoded.kind === 'accept' ? '' : `${decoded.code} ${decoded.detail}`);
  return response;
}

/** Fetches one part page by page, as a syncing node would, through a PartAssembler. */
function fetchPart(index: BlockIndex, height: number, part: BlockPart, limits: AnswerLimits) {
  const root = index.blockRoots(height).root;
  const assembler = new PartAssembler(sodiumCrypto, network, height, root, part);
  const entries: LedgerEntry[] = [];
  let pages = 0;
  while (!assembler.complete) {
    const page = asFrame(
      answerSyncRequest(
        index,
        {
          type: 'SYNC_BLOCK_REQUEST',
          version: '1.0',
          id: `b-${pages}`,
          height,
          part,
          offset: assembler.offset,
        },
        limits,
      ),
      limits,
    );
    assert.equal(page.type, 'SYNC_BLOCK');
    const outcome = assembler.accept(page as SyncBlock);
    assert.equal(outcome.kind, 'accept', outcome.kind === 'accept' ? '' : outcome.detail);
    if (outcome.kind === 'accept') entries.push(...outcome.value);
    pages++;
  }
  return { entries, pages };
}

describe('answering sync requests', () => {
  const big: AnswerLimits = { maxFrameBytes: 64 * 1024 };

  test('status names the latest closed height and the summary root over it', () => {
    const { index } = served();
    const status = asFrame(
      answerSyncRequest(index, { type: 'SYNC_STATUS_REQUEST', version: '1.0', id: 's' }, big),
      big,
    );
    assert.deepEqual(status, {
      type: 'SYNC_STATUS',
      version: '1.0',
      id: 's',
      latestHeight: 19,
      summaryRoot: index.summary(19).root(),
      entryCount: 18,
      state: 'synced',
    });
  });

  test('a peer missing two blocks finds them by roots and gets them whole, critical part and commits', () => {
    const { index } = served();
    const mine = new BlockIndex(sodiumCrypto, network, now, GRACE);
    for (const height of [19]) for (const entry of index.block(height)) mine.add(entry);
    const diff = new SummaryDiff(mine.summary(19), index.summary(19).root());
    while (!diff.done) {
      const query = diff.nextQuery(900)!;
      const answer = asFrame(
        answerSyncRequest(
          index,
          { type: 'SYNC_ROOTS_REQUEST', version: '1.0', id: 'r', top: 19, ...query },
          big,
        ),
        big,
      );
      assert.equal(answer.type, 'SYNC_ROOTS');
      diff.receive(query, answer.type === 'SYNC_ROOTS' ? answer.roots : []);
    }
    assert.deepEqual(
      [...diff.differing.keys()].sort((a, b) => a - b),
      [3, 7],
    );
    const critical = fetchPart(index, 3, 'critical', big);
    const commits = fetchPart(index, 3, 'commits', big);
    assert.equal(critical.entries.length, 3);
    assert.equal(commits.entries.length, 12);
    assert.equal(
      blockRoots(sodiumCrypto, [...commits.entries, ...critical.entries]).root,
      diff.differing.get(3),
    );
  });

  test('pages fit small frames and still assemble to the block root', () => {
    const { index } = served();
    const small: AnswerLimits = { maxFrameBytes: 4 * 1024 };
    const { entries, pages } = fetchPart(index, 3, 'commits', small);
    assert.equal(entries.length, 12);
    assert.ok(pages > 3, `${pages} pages`);
    // An empty part is one page with nothing in it.
    assert.deepEqual(fetchPart(index, 7, 'critical', small), { entries: [], pages: 1 });
    // A frame too small for even one entry is refused, not overrun.
    const tiny = { maxFrameBytes: 1024 };
    const refused = answerSyncRequest(
      index,
      { type: 'SYNC_BLOCK_REQUEST', version: '1.0', id: 'x', height: 3, part: 'commits', offset: 0 },
      tiny,
    );
    assert.equal(refused.type === 'SYNC_REFUSED' && refused.code, 'TM_ERR_FRAME_TOO_LARGE');
  });

  test('roots answers are cut to fit the frame, and out-of-range requests are refused', () => {
    const { index } = served();
    const limits = { maxFrameBytes: 4096 };
    const ask = (top: number, level: number, indexes: number[]) =>
      answerSyncRequest(
        index,
        { type: 'SYNC_ROOTS_REQUEST', version: '1.0', id: 'q', top, level, indexes },
        limits,
      );
    const answer = asFrame(
      ask(
        19,
        0,
        Array.from({ length: 20 }, (_, i) => i),
      ),
      limits,
    );
    assert.equal(answer.type, 'SYNC_ROOTS');
    assert.ok(answer.type === 'SYNC_ROOTS' && answer.roots.length === 20);
    const many = ask(
      19,
      0,
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.ok(many.type === 'SYNC_ROOTS');
    const cut = answerSyncRequest(
      index,
      { type: 'SYNC_ROOTS_REQUEST', version: '1.0', id: 'q', top: 19, level: 0, indexes: Array(200).fill(3) },
      limits,
    );
    assert.ok(cut.type === 'SYNC_ROOTS' && cut.roots.length < 200 && cut.roots.length > 50);
    asFrame(cut, limits);
    const beyond = ask(20, 0, [0]);
    assert.equal(beyond.type === 'SYNC_REFUSED' && beyond.code, 'TM_ERR_SYNC_HEIGHT_IMPLAUSIBLE');
    assert.equal(beyond.type === 'SYNC_REFUSED' && beyond.latestHeight, 19);
    const outside = ask(19, 0, [20]);
    assert.equal(outside.type === 'SYNC_REFUSED' && outside.code, 'TM_ERR_SYNC_REQUEST_INVALID');
    assert.equal(ask(19, 3, [0]).type, 'SYNC_REFUSED', 'above the root');
    const block = answerSyncRequest(
      index,
      { type: 'SYNC_BLOCK_REQUEST', version: '1.0', id: 'b', height: 25, part: 'critical', offset: 0 },
      limits,
    );
    assert.equal(block.type === 'SYNC_REFUSED' && block.code, 'TM_ERR_SYNC_HEIGHT_IMPLAUSIBLE');
  });
});

describe('checking sync pages on receipt', () => {
  const limits = { maxFrameBytes: 64 * 1024 };
  const page = (index: BlockIndex, height: number, part: BlockPart, offset = 0) =>
    answerSyncRequest(
      index,
      { type: 'SYNC_BLOCK_REQUEST', version: '1.0', id: 'p', height, part, offset },
      limits,
    ) as SyncBlock;
  const codeOf = (outcome: ReturnType<PartAssembler['accept']>) =>
    outcome.kind === 'accept' ? 'accept' : outcome.code;

  test('a block that omits, adds, reorders or misplaces an entry is refused', () => {
    const { index, maker } = served();
    const root = index.blockRoots(3).root;
    const fresh = () => new PartAssembler(sodiumCrypto, network, 3, root, 'commits');
    const honest = page(index, 3, 'commits');
    assert.equal(codeOf(fresh().accept(honest)), 'accept');

    const omitted = { ...honest, entries: honest.entries.slice(1), commitCount: 11 };
    assert.equal(codeOf(fresh().accept(omitted)), 'TM_ERR_SYNC_ROOT_MISMATCH');
    const shortPage = { ...honest, entries: honest.entries.slice(1) };
    assert.equal(codeOf(fresh().accept(shortPage)), 'TM_ERR_SYNC_ANSWER_INVALID');
    const reordered = {
      ...honest,
      entries: [honest.entries[1]!, honest.entries[0]!, ...honest.entries.slice(2)],
    };
    assert.equal(codeOf(fresh().accept(reordered)), 'TM_ERR_SYNC_ANSWER_INVALID');
    maker.clock.time = genesis + 9 * epoch;
    const elsewhere = maker.commit({ agentId: 'z', principalId: 'p' });
    const misplaced = { ...honest, entries: [...honest.entries.slice(0, 11), elsewhere] };
    assert.equal(codeOf(fresh().accept(misplaced)), 'TM_ERR_SYNC_ANSWER_INVALID');
    const critical = page(index, 3, 'critical');
    assert.equal(codeOf(fresh().accept(critical)), 'TM_ERR_SYNC_ANSWER_INVALID', 'another part');
    // A peer serving another version of the block than the root this node was given.
    const otherRoot = new PartAssembler(sodiumCrypto, network, 3, index.blockRoots(7).root, 'commits');
    assert.equal(codeOf(otherRoot.accept(honest)), 'TM_ERR_SYNC_ROOT_MISMATCH');
    const forgedParts = { ...honest, criticalRoot: honest.commitRoot };
    assert.equal(codeOf(fresh().accept(forgedParts)), 'TM_ERR_SYNC_ROOT_MISMATCH');
  });

  test('pages must follow each other without gaps, and a part must not change mid-transfer', () => {
    const { index } = served();
    const root = index.blockRoots(3).root;
    const small = { maxFrameBytes: 6 * 1024 };
    const first = answerSyncRequest(
      index,
      { type: 'SYNC_BLOCK_REQUEST', version: '1.0', id: 'p', height: 3, part: 'commits', offset: 0 },
      small,
    ) as SyncBlock;
    assert.ok(first.next !== undefined);
    const assembler = new PartAssembler(sodiumCrypto, network, 3, root, 'commits');
    assert.equal(codeOf(assembler.accept({ ...first, next: undefined })), 'TM_ERR_SYNC_ANSWER_INVALID');
    assert.equal(codeOf(assembler.accept(first)), 'accept');
    assert.equal(codeOf(assembler.accept(first)), 'TM_ERR_SYNC_ANSWER_INVALID', 'the same page again');
    const second = answerSyncRequest(
      index,
      {
        type: 'SYNC_BLOCK_REQUEST',
        version: '1.0',
        id: 'p',
        height: 3,
        part: 'commits',
        offset: first.next!,
      },
      small,
    ) as SyncBlock;
    assert.equal(codeOf(assembler.accept({ ...second, commitCount: 13 })), 'TM_ERR_SYNC_ROOT_MISMATCH');
    const stall = { ...second, entries: [], next: second.offset };
    assert.equal(
      codeOf(
        new PartAssembler(sodiumCrypto, network, 3, root, 'commits').accept({ ...stall, offset: 0, next: 0 }),
      ),
      'TM_ERR_SYNC_ANSWER_INVALID',
    );
  });
});
