// State hashes: one digest per trust record and one over all records, for comparing nodes byte for byte.
// The overall hash sorts record digests (plain hex), so no collation differences between stores can change it.
import type { Crypto } from '../crypto.js';
import { toHex, utf8 } from '../encoding.js';
import { canonicalJson } from '../signing.js';
import type { MeshTrustRecord } from './record.js';

export function recordHash(crypto: Crypto, record: MeshTrustRecord): string {
  return toHex(crypto.sha256(utf8(canonicalJson(record))));
}

/** Hash over a set of record digests; the empty state has a hash too. */
export function stateHash(crypto: Crypto, recordHashes: Iterable<string>): string {
  return toHex(crypto.sha256(utf8([...recordHashes].sort().join('\n'))));
}
