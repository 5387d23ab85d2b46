// The serving side of sync: answers SYNC_STATUS_REQUEST, SYNC_ROOTS_REQUEST and SYNC_BLOCK_REQUEST from a
// read-only view of the ledger, each answer sized to fit one frame. Pure: the view owns storage and the clock.
import { utf8 } from '../encoding.js';
import { PROTOCOL_VERSION } from '../messages/fields.js';
import {
  type LedgerEntry,
  MAX_ENTRIES_PER_PAGE,
  MAX_ROOTS_PER_ANSWER,
  type SyncBlock,
  type SyncBlockRequest,
  type SyncRefused,
  type SyncRequest,
  type SyncResponse,
  type SyncRoots,
  type SyncRootsRequest,
} from '../messages/schemas.js';
import type { BlockPart, BlockRoots } from './blocks.js';
import { type MerkleSummary, nodeExists } from './summary.js';

/** What serving sync needs from a node's ledger. Blocks are canonical (see canonicalBlock in blocks.ts). */
export interface SyncLedgerView {
  /** Newest closed block by the node's clock (latestHeight in blocks.ts), -1 for none. */
  latestHeight(): number;
  /** The summary over blocks [0, top]; `top` never exceeds latestHeight(). Cache it: it is asked often. */
  summary(top: number): MerkleSummary;
  /** Roots and part sizes of the block at `height`. */
  blockRoots(height: number): BlockRoots;
  /** Entries of one part of the block at `height`, in block order, from `offset`, at most `limit`. */
  partEntries(height: number, part: BlockPart, offset: number, limit: number): readonly LedgerEntry[];
  /** Every entry held, closed blocks or not. */
  entryCount(): number;
  syncState(): 'syncing' | 'synced';
}

export interface AnswerLimits {
  /** The network's maxFrameBytes: every answer fits in it with room to spare. */
  readonly maxFrameBytes: number;
}

/** Room kept free in every answer frame (the byte count of the JSON is exact; this covers nothing but safety). */
export const ANSWER_MARGIN_BYTES = 256;
/** Bytes one root takes in a SYNC_ROOTS answer: 64 hex digits, two quotes and a comma. */
const ROOT_BYTES = 67;

const byteLength = (value: unknown): number => utf8(JSON.stringify(value)).length;

export function answerSyncRequest(
  view: SyncLedgerView,
  request: SyncRequest,
  limits: AnswerLimits,
): SyncResponse {
  switch (request.type) {
    case 'SYNC_STATUS_REQUEST': {
      const latestHeight = view.latestHeight();
      return {
        type: 'SYNC_STATUS',
        version: PROTOCOL_VERSION,
        id: request.id,
        latestHeight,
        summaryRoot: view.summary(latestHeight).root(),
        entryCount: view.entryCount(),
        state: view.syncState(),
      };
    }
    case 'SYNC_ROOTS_REQUEST':
      return answerRoots(view, request, limits);
    case 'SYNC_BLOCK_REQUEST':
      return answerBlock(view, request, limits);
  }
}

function refuse(view: SyncLedgerView, id: string, code: SyncRefused['code']): SyncRefused {
  return { type: 'SYNC_REFUSED', version: PROTOCOL_VERSION, id, code, latestHeight: view.latestHeight() };
}

/** Roots of the asked nodes, as many as fit, in the order asked; a node outside the tree refuses the request. */
function answerRoots(view: SyncLedgerView, request: SyncRootsRequest, limits: AnswerLimits): SyncResponse {
  if (request.top > view.latestHeight()) return refuse(view, request.id, 'TM_ERR_SYNC_HEIGHT_IMPLAUSIBLE');
  const { top, level } = request;
  if (request.indexes.some((index) => !nodeExists({ level, index }, top)))
    return refuse(view, request.id, 'TM_ERR_SYNC_REQUEST_INVALID');
  const answer: SyncRoots = {
    type: 'SYNC_ROOTS',
    version: PROTOCOL_VERSION,
    id: request.id,
    top,
    level,
    roots: [],
  };
  const room = limits.maxFrameBytes - ANSWER_MARGIN_BYTES - byteLength(answer);
  const count = Math.max(
    0,
    Math.min(request.indexes.length, MAX_ROOTS_PER_ANSWER, Math.floor(room / ROOT_BYTES)),
  );
  const summary = view.summary(top);
  answer.roots = request.indexes.slice(0, count).map((index) => summary.nodeRoot({ level, index })!);
  return answer;
}

/** One page of one part: whole entries from `offset` while they fit the frame; at least one, or a refusal. */
function answerBlock(view: SyncLedgerView, request: SyncBlockRequest, limits: AnswerLimits): SyncResponse {
  if (request.height > view.latestHeight()) return refuse(view, request.id, 'TM_ERR_SYNC_HEIGHT_IMPLAUSIBLE');
  const roots = view.blockRoots(request.height);
  const total = request.part === 'critical' ? roots.criticalCount : roots.commitCount;
  if (request.offset > total) return refuse(view, request.id, 'TM_ERR_SYNC_REQUEST_INVALID');
  const answer: SyncBlock = {
    type: 'SYNC_BLOCK',
    version: PROTOCOL_VERSION,
    id: request.id,
    height: request.height,
    part: request.part,
    offset: request.offset,
    entries: [],
    next: total,
    root: roots.root,
    criticalRoot: roots.criticalRoot,
    commitRoot: roots.commitRoot,
    criticalCount: roots.criticalCount,
    commitCount: roots.commitCount,
  };
  // `next` holds the part size as a placeholder: the real value is never longer.
  let room = limits.maxFrameBytes - ANSWER_MARGIN_BYTES - byteLength(answer);
  const candidates = view.partEntries(request.height, request.part, request.offset, MAX_ENTRIES_PER_PAGE);
  for (const entry of candidates) {
    const size = byteLength(entry) + (answer.entries.length > 0 ? 1 : 0);
    if (size > room) break;
    room -= size;
    answer.entries.push(entry);
  }
  if (answer.entries.length === 0 && request.offset < total)
    return refuse(view, request.id, 'TM_ERR_FRAME_TOO_LARGE');
  const next = request.offset + answer.entries.length;
  if (next < total) answer.next = next;
  else delete answer.next;
  return answer;
}
