// Answers a light node's QUERY with a page of ledger entries that fits in one frame.
// The light node verifies every entry by its signatures, so the answer needs no signature of its own.
import type { Ledger } from '../ledger.js';
import { PROTOCOL_VERSION } from '../messages/fields.js';
import type { Query, QueryResult } from '../messages/schemas.js';

/** Page sizes tried in turn until the answer fits; one entry always fits (frames carry whole entries). */
const PAGE_SIZES = [32, 8, 2, 1];
const FRAME_MARGIN_BYTES = 512;

export function packQueryResult(ledger: Ledger, query: Query, maxFrameBytes: number): QueryResult {
  let result: QueryResult = { type: 'QUERY_RESULT', version: PROTOCOL_VERSION, id: query.id, entries: [] };
  for (const size of PAGE_SIZES) {
    const page = ledger.entriesFor(query.agentId, query.principalId, query.cursor, size);
    result = {
      type: 'QUERY_RESULT',
      version: PROTOCOL_VERSION,
      id: query.id,
      entries: page.entries,
      ...(page.next === undefined ? {} : { next: page.next }),
    };
    if (Buffer.byteLength(JSON.stringify(result)) + FRAME_MARGIN_BYTES <= maxFrameBytes) break;
  }
  return result;
}
