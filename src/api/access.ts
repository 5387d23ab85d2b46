// The bridge API's gate, run before any body is read: who is calling (token or address), rate limit, then scope.
// The rate limit comes first so that guessing tokens costs the guesser its own address's budget.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiToken } from '../config/load.js';
import { type Access, bearerToken, TokenBook } from './auth.js';
import { ApiFailure } from './error-handler.js';
import { RateLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a caller needs to use the route; routes without it are public. */
    access?: Access;
  }
  interface FastifyRequest {
    /** Whose budgets the request spends: `token:<name>`, or `address:<ip>` without a valid token. */
    caller: string;
  }
}

export interface AccessOptions {
  readonly tokens: readonly ApiToken[];
  readonly publicReads: boolean;
  readonly rateLimitPerMinute: number;
  /** A node's local read-only endpoint: every read is open and any token is ignored; writes are refused. */
  readonly readOnly?: boolean;
  readonly now?: () => number;
}

export interface AccessControl {
  /** Replaces the tokens at once: the next request is judged against the new set. */
  setTokens(tokens: readonly ApiToken[]): void;
}

export function installAccessControl(app: FastifyInstance, options: AccessOptions): AccessControl {
  let book = new TokenBook(options.tokens);
  const limiter = new RateLimiter(options.rateLimitPerMinute, options.now);
  app.decorateRequest('caller', '');
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    const access = request.routeOptions.config.access ?? 'public';
    const given = options.readOnly ? undefined : bearerToken(request.headers.authorization);
    const caller = typeof given === 'string' ? book.match(given) : null;
    request.caller = caller === null ? `address:${request.ip}` : `token:${caller.name}`;
    const decision = limiter.take(request.caller);
    reply.header('x-ratelimit-limit', limiter.limit);
    if (!decision.allowed) {
      reply.header('retry-after', Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
      reply.header('x-ratelimit-remaining', 0);
      return done(
        ApiFailure.of(
          'TM_ERR_RATE_LIMITED',
          `more than ${limiter.limit} requests a minute; retry in ${decision.retryAfterMs} ms`,
        ),
      );
    }
    reply.header('x-ratelimit-remaining', decision.remaining);
    if (access === 'public') return done();
    if (options.readOnly) {
      if (access === 'read') return done();
      return done(
        ApiFailure.of(
          'TM_ERR_FORBIDDEN',
          "this is a node's read-only endpoint (--admin-port): submit and revoke through a bridge",
        ),
      );
    }
    if (given !== undefined && caller === null) {
      return done(ApiFailure.of('TM_ERR_UNAUTHORIZED', 'the bearer token is not valid'));
    }
    if (caller === null) {
      if (access === 'read' && options.publicReads) return done();
      return done(
        ApiFailure.of(
          'TM_ERR_UNAUTHORIZED',
          `send "Authorization: Bearer <token>" with a token holding the "${access}" scope`,
        ),
      );
    }
    if (!caller.scopes.has(access)) {
      return done(
        ApiFailure.of(
          'TM_ERR_FORBIDDEN',
          `token "${caller.name}" lacks the "${access}" scope this route needs`,
        ),
      );
    }
    done();
  });
  return {
    setTokens(tokens) {
      book = new TokenBook(tokens);
    },
  };
}
