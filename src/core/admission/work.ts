// Proof of work for nodes outside the network file: before a non-member may hold a connection slot it shows a
// counter whose hash with its node id and the network id has enough leading zero bits. Keys are free; this is not.
import type { Crypto } from '../crypto.js';
import { utf8 } from '../encoding.js';

export const WORK_DOMAIN = 'TRUST-MESH/1 admission';
/** Longest counter accepted: 16 hex digits (64 bits) is more than any difficulty needs. */
export const MAX_WORK_HEX = 16;

function workBytes(networkId: string, nodeId: string, work: string): Uint8Array {
  return utf8(`${WORK_DOMAIN}\n${networkId}\n${nodeId}\n${work}`);
}

function leadingZeroBits(hash: Uint8Array): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** How many leading zero bits `work` earns for this node on this network (one SHA-256: microseconds). */
export function workBits(crypto: Crypto, networkId: string, nodeId: string, work: string): number {
  if (work.length === 0 || work.length > MAX_WORK_HEX) return 0;
  return leadingZeroBits(crypto.sha256(workBytes(networkId, nodeId, work)));
}

/**
 * Finds a counter (lowercase hex) worth at least `bits`: about 2^bits hashes (20 bits ≈ 1M, well under a
 * second). Deterministic, so a node finds the same proof on every start.
 */
export function solveWork(crypto: Crypto, networkId: string, nodeId: string, bits: number): string {
  for (let counter = 0; ; counter++) {
    const work = counter.toString(16);
    if (workBits(crypto, networkId, nodeId, work) >= bits) return work;
  }
}
