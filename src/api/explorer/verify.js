// The explorer's signature checks, in the browser with WebCrypto Ed25519: the signing rule of docs/PROTOCOL.md §2
// ("TRUST-MESH/1\n" + networkId + "\n" + RFC 8785 JSON of the message without its signature fields), re-done here.

const DOMAIN = 'TRUST-MESH/1';

/**
 * RFC 8785 for what JSON.parse can produce: keys sorted by UTF-16 code units (the default sort), strings and
 * numbers in ECMAScript form (what JSON.stringify writes), no whitespace. Matches the `canonicalize` package.
 */
export function canonicalJson(value) {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('no JSON form');
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const parts = [];
  for (const key of Object.keys(value).sort()) {
    if (value[key] === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(value[key])}`);
  }
  return `{${parts.join(',')}}`;
}

/** The message without its signature field(s), and who signed it, per the table in PROTOCOL.md §2. */
export function signedParts(message) {
  const signatures = [];
  let unsigned;
  switch (message.type) {
    case 'TRUST_UPDATE':
    case 'REVOCATION': {
      const { signature, ...payload } = message.payload ?? {};
      unsigned = { ...message, payload };
      signatures.push({ role: 'origin', nodeId: message.origin, publicKey: message.originKey, signature });
      break;
    }
    case 'KEY_ROTATION': {
      const { signature, newSignature, ...rest } = message;
      unsigned = rest;
      signatures.push({ role: 'old key', nodeId: message.origin, publicKey: message.originKey, signature });
      signatures.push({
        role: 'new key',
        nodeId: message.newNodeId,
        publicKey: message.newPublicKey,
        signature: newSignature,
      });
      break;
    }
    case 'PEER_ANNOUNCE': {
      const { signature, ...rest } = message;
      unsigned = rest;
      signatures.push({ role: 'origin', nodeId: message.nodeId, publicKey: message.publicKey, signature });
      break;
    }
    default: {
      const { signature, ...rest } = message;
      unsigned = rest;
      signatures.push({ role: 'origin', nodeId: message.origin, publicKey: message.originKey, signature });
    }
  }
  return { unsigned, signatures };
}

export function signingBytes(networkId, unsigned) {
  return new TextEncoder().encode(`${DOMAIN}\n${networkId}\n${canonicalJson(unsigned)}`);
}

function fromBase64(text, length) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const binary = atob(text);
  if (binary.length !== length) return null;
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function toHex(bytes) {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function webCryptoAvailable() {
  return typeof crypto !== 'undefined' && crypto.subtle !== undefined;
}

/**
 * Checks one signature: the key hashes to the node id, then Ed25519 over the bytes. Never throws; the answer
 * says why it failed.
 */
export async function verifySignature(bytes, { nodeId, publicKey, signature }) {
  if (!webCryptoAvailable()) return { ok: false, why: 'WebCrypto unavailable (needs HTTPS or localhost)' };
  const key = fromBase64(publicKey, 32);
  const sig = fromBase64(signature, 64);
  if (key === null) return { ok: false, why: 'public key is not 32 bytes of base64' };
  if (sig === null) return { ok: false, why: 'signature is not 64 bytes of base64' };
  try {
    if (toHex(await crypto.subtle.digest('SHA-256', key)) !== nodeId)
      return { ok: false, why: 'public key does not hash to the node id' };
    const imported = await crypto.subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify']);
    const ok = await crypto.subtle.verify({ name: 'Ed25519' }, imported, sig, bytes);
    return ok
      ? { ok: true, why: 'Ed25519 signature valid' }
      : { ok: false, why: 'signature does not verify' };
  } catch (error) {
    return { ok: false, why: `cannot verify: ${error?.message ?? error}` };
  }
}

/** Hex SHA-256 of a message's signed bytes: what a vote names as `updateDigest`. */
async function digestOf(networkId, message) {
  return toHex(await crypto.subtle.digest('SHA-256', signingBytes(networkId, signedParts(message).unsigned)));
}

/** A compact vote's voter id (`o`, unpadded base64url of 32 bytes) in lowercase hex, or undefined if malformed. */
export function voterIdOf(compact) {
  if (typeof compact?.o !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(compact.o)) return undefined;
  const binary = atob(`${compact.o.replaceAll('-', '+').replaceAll('_', '/')}=`);
  // Canonical only (the spare bits of the last character zero), as nodes require.
  const again = btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
  return again === compact.o ? toHex(Uint8Array.from(binary, (char) => char.charCodeAt(0))) : undefined;
}

/**
 * The VOTE a commit's compact vote stands for (PROTOCOL.md §6.4): an accept of the commit's update, under the
 * voter's key, with the id the update's digest fixes and the time the offset gives.
 */
export function expandVote(commit, compact, updateDigest, publicKey) {
  const proposed = Date.parse(commit.update?.timestamp);
  const votedAt = new Date(proposed + compact.t);
  return {
    type: 'VOTE',
    version: commit.version,
    id: `v-${updateDigest.slice(0, 32)}`,
    timestamp: Number.isNaN(votedAt.getTime()) ? '' : votedAt.toISOString(),
    origin: voterIdOf(compact),
    originKey: publicKey,
    updateId: commit.update?.id,
    updateOrigin: commit.update?.origin,
    updateDigest,
    decision: 'accept',
    signature: compact.s,
  };
}

async function verifyVotes(networkId, commit, publicKeyOf) {
  const votes = Array.isArray(commit.votes) ? commit.votes : [];
  if (votes.length === 0 || !commit.update || typeof commit.update !== 'object') return [];
  let digest;
  try {
    digest = await digestOf(networkId, commit.update);
  } catch (error) {
    return [{ label: 'VOTE', ok: false, why: `update has no canonical form: ${error?.message ?? error}` }];
  }
  const results = [];
  for (const vote of votes) {
    const voter = voterIdOf(vote);
    const publicKey = voter === undefined ? undefined : publicKeyOf(voter);
    if (publicKey === undefined) {
      const why = "voter's key unknown: not in the bridge's network file or rotations";
      results.push({ label: 'VOTE (origin)', nodeId: voter, ok: false, why });
      continue;
    }
    results.push(...(await verifyMessage(networkId, expandVote(commit, vote, digest, publicKey))));
  }
  return results;
}

/**
 * Every signature a message carries, each checked; a commit's embedded update and votes are checked too, each
 * compact vote expanded with the key `publicKeyOf(voter)` gives (GET /v1/keys).
 */
export async function verifyMessage(networkId, message, publicKeyOf = () => undefined) {
  if (message === null || typeof message !== 'object' || typeof message.type !== 'string')
    return [{ label: 'message', ok: false, why: 'not a signed message (no type)' }];
  let parts;
  let bytes;
  try {
    parts = signedParts(message);
    bytes = signingBytes(networkId, parts.unsigned);
  } catch (error) {
    return [{ label: message.type, ok: false, why: `no canonical form: ${error?.message ?? error}` }];
  }
  const results = [];
  for (const signer of parts.signatures) {
    const result = await verifySignature(bytes, signer);
    results.push({ label: `${message.type} (${signer.role})`, nodeId: signer.nodeId, ...result });
  }
  if (message.type === 'COMMIT') {
    if (message.update) results.push(...(await verifyMessage(networkId, message.update)));
    results.push(...(await verifyVotes(networkId, message, publicKeyOf)));
  }
  return results;
}

/**
 * A record's `signatures` ({ nodeId, signature }: the update's origin, then each accepting validator) checked
 * against the commit that set its score: each must verify over the bytes of that node's message in the commit.
 */
export async function verifyRecordSignatures(networkId, record, commit, publicKeyOf = () => undefined) {
  const results = [];
  const score = commit?.update?.payload?.trustScore;
  if (commit && !record.revoked && score !== record.trustScore)
    results.push({
      label: 'record score',
      ok: false,
      why: `record says ${record.trustScore}, commit says ${score}`,
    });
  for (const [index, { nodeId, signature }] of (record.signatures ?? []).entries()) {
    const label = `record signature by ${nodeId.slice(0, 12)}…`;
    if (!commit) {
      results.push({ label, nodeId, ok: false, why: 'no commit for this record seen on the stream' });
      continue;
    }
    // The first is the update's origin signing the update; each after it, a validator signing its accept vote.
    const compact = index === 0 ? undefined : (commit.votes ?? []).find((vote) => voterIdOf(vote) === nodeId);
    const key = publicKeyOf(nodeId);
    if (compact && key === undefined) {
      results.push({ label, nodeId, ok: false, why: "voter's key unknown to this page" });
      continue;
    }
    const signed =
      index === 0
        ? commit.update?.origin === nodeId && commit.update
        : compact && expandVote(commit, compact, await digestOf(networkId, commit.update), key);
    if (!signed) {
      const role = index === 0 ? 'the update origin' : 'an accepting voter';
      results.push({ label, nodeId, ok: false, why: `signer is not ${role} in the commit` });
      continue;
    }
    const { unsigned } = signedParts(signed);
    const result = await verifySignature(signingBytes(networkId, unsigned), {
      nodeId,
      publicKey: signed.originKey,
      signature,
    });
    results.push({ label: `${label} (${signed.type})`, nodeId, ...result });
  }
  return results;
}
