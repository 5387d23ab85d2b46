// Bearer tokens for the bridge API: how a token is made, hashed and matched, and which scope a route needs.
// Only SHA-256 hashes are ever stored or held; matching compares every hash in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from '../config/load.js';

export type Scope = 'read' | 'write';
/** What a route requires: a scope, or nothing (health checks and the API document). */
export type Access = Scope | 'public';

/** Prefix that makes a leaked token easy to recognise in logs and secret scanners. */
export const TOKEN_PREFIX = 'tm_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token (256 bits) and the entry to store for it. The token itself is shown once, never stored. */
export function createToken(name: string, scopes: readonly Scope[]): { token: string; entry: ApiToken } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, entry: { name, sha256: hashToken(token), scopes: [...new Set(scopes)] } };
}

export interface Caller {
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
}

export class TokenBook {
  private readonly entries: Array<{ hash: Buffer; caller: Caller }>;

  constructor(tokens: readonly ApiToken[]) {
    this.entries = tokens.map((token) => ({
      hash: Buffer.from(token.sha256, 'hex'),
      caller: { name: token.name, scopes: new Set(token.scopes) },
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The caller a token belongs to, or null. Every stored hash is compared, match or not, so the time taken
   * tells nothing about which token (or how much of one) was right.
   */
  match(token: string): Caller | null {
    const hash = createHash('sha256').update(token, 'utf8').digest();
    let found: Caller | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.hash, hash) && found === null) found = entry.caller;
    }
    return found;
  }
}

/** The token in an `Authorization: Bearer …` header; undefined when absent, null when present but malformed. */
export function bearerToken(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]{1,512})[ ]*$/i.exec(header);
  return match === null ? null : match[1]!;
}
