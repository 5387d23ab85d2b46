// Turns anything a route or fastify throws into the API's one error shape, `{ code, message, field? }`, with the
// status from ERROR_CODES. Validation failures name the field; any 5xx but 503 becomes a bare TM_ERR_INTERNAL.
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, type ErrorCode, isTrustMeshError } from '../core/errors.js';
import type { ApiErrorBody } from './schemas.js';

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * Fastify's own request errors, by code, as ours (fastify answers 415 for a wrong media type; we say 400). Their
 * messages quote the request (its URL, its media type), so none of them is passed on.
 */
const FASTIFY_CODES: Record<string, [ErrorCode, string, number?]> = {
  FST_ERR_BAD_URL: ['TM_ERR_BAD_REQUEST', 'the URL is not valid percent-encoded UTF-8'],
  FST_ERR_MAX_PARAM_LENGTH: ['TM_ERR_BAD_REQUEST', 'a path parameter is too long', 414],
  FST_ERR_CTP_BODY_TOO_LARGE: ['TM_ERR_PAYLOAD_TOO_LARGE', 'request body too large'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['TM_ERR_BAD_REQUEST', 'body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['TM_ERR_BAD_REQUEST', 'body is empty; send a JSON object'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['TM_ERR_BAD_REQUEST', 'content-type must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['TM_ERR_BAD_REQUEST', 'content-length does not match the body'],
};

/** An answer-ready failure: thrown by the gate and routes, sent as is by the error handler. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(`${body.code}: ${body.message}`);
    this.name = 'ApiFailure';
  }

  static of(code: ErrorCode, message?: string, field?: string): ApiFailure {
    return new ApiFailure(ERROR_CODES[code].status, {
      code,
      message: message ?? ERROR_CODES[code].message,
      ...(field === undefined ? {} : { field }),
    });
  }
}

/** The field a validation issue is about: the missing or unknown property, else the path to the bad value. */
function fieldOf(issue: ValidationIssue): string {
  const named = issue.params.missingProperty ?? issue.params.additionalProperty;
  // An unknown property's name comes from the request: named back only when it is a plain identifier.
  if (typeof named === 'string' && !/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(named)) return 'unknown field';
  const path = issue.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (typeof named === 'string') path.push(named);
  return path.join('.');
}

function describeIssue(part: string, field: string, issue: ValidationIssue): string {
  const where = field === '' ? part : `${part}.${field}`;
  switch (issue.keyword) {
    case 'required':
      return `${where} is required`;
    case 'additionalProperties':
      return `${where} is not a known field`;
    case 'enum':
      return `${where} must be one of ${(issue.params.allowedValues as unknown[]).join(', ')}`;
    default:
      return `${where} ${issue.message ?? 'is invalid'}`;
  }
}

/** A score outside 0–1000, or not an integer, answers with the same codes validators vote with. */
function validationFailure(part: string, issue: ValidationIssue): ApiFailure {
  const field = fieldOf(issue);
  const message = describeIssue(part, field, issue);
  if (part === 'body' && field === 'trustScore') {
    if (issue.keyword === 'minimum' || issue.keyword === 'maximum')
      return ApiFailure.of('TM_ERR_SCORE_OUT_OF_RANGE', message, field);
    if (issue.keyword === 'type') return ApiFailure.of('TM_ERR_SCORE_NOT_INTEGER', message, field);
  }
  return ApiFailure.of('TM_ERR_BAD_REQUEST', message, field);
}

export function toFailure(error: unknown): ApiFailure | null {
  if (error instanceof ApiFailure) return error;
  if (isTrustMeshError(error)) return ApiFailure.of(error.code, error.message.replace(/^\w+: /, ''));
  const fastifyError = error as Partial<FastifyError> & { validation?: ValidationIssue[] };
  const [issue] = fastifyError.validation ?? [];
  if (issue !== undefined) return validationFailure(fastifyError.validationContext ?? 'request', issue);
  const known = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (known !== undefined)
    return new ApiFailure(known[2] ?? ERROR_CODES[known[0]].status, { code: known[0], message: known[1] });
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500)
    return new ApiFailure(status, {
      code: 'TM_ERR_BAD_REQUEST',
      message: `malformed request (${typeof fastifyError.code === 'string' ? fastifyError.code.slice(0, 64) : status})`,
    });
  return null;
}

/**
 * A 503 (node stopping, no full node to ask) is the caller's to retry and keeps its code. Any other 5xx — a storage
 * failure, a bug — answers TM_ERR_INTERNAL with a generic message and a fresh request id; what went wrong goes to
 * the log under that id, never to the caller (an SQLite message names files and tables).
 */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  let failure = toFailure(error);
  const where = { url: request.url, method: request.method };
  if (failure?.status === 503) {
    request.log.warn({ ...where, code: failure.body.code }, 'bridge API request refused: unavailable');
  } else if (failure === null || failure.status >= 500) {
    const requestId = randomUUID();
    request.log.error({ ...where, err: error, requestId }, 'bridge API request failed');
    failure = new ApiFailure(500, {
      code: 'TM_ERR_INTERNAL',
      message: `internal error; the bridge's log has the details under request id ${requestId}`,
      requestId,
    });
    reply.header('x-request-id', requestId);
  }
  if (failure.status === 401) reply.header('www-authenticate', 'Bearer realm="trust-mesh"');
  reply.code(failure.status).send(failure.body);
}
