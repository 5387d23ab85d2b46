// A verifier pool's worker thread: Ed25519 checks with libsodium on batches posted by the pool.
// Batches arrive as flat transferred buffers (no per-check objects), and results go back as one byte each.
import { parentPort } from 'node:worker_threads';
import sodium from 'sodium-native';
import type { BatchRequest, BatchResult } from './verifier-pool.js';

const port = parentPort;
if (port === null) throw new Error('verify-worker.js runs as a worker thread only');

port.on('message', (request: BatchRequest) => {
  const signatures = Buffer.from(request.signatures);
  const keys = Buffer.from(request.keys);
  const data = Buffer.from(request.data);
  const results = new Uint8Array(request.count);
  for (let i = 0; i < request.count; i++) {
    try {
      results[i] = sodium.crypto_sign_verify_detached(
        signatures.subarray(i * 64, i * 64 + 64),
        data.subarray(request.offsets[i]!, request.offsets[i + 1]!),
        keys.subarray(i * 32, i * 32 + 32),
      )
        ? 1
        : 0;
    } catch {
      results[i] = 0;
    }
  }
  const reply: BatchResult = { id: request.id, results };
  port.postMessage(reply, [results.buffer]);
});
