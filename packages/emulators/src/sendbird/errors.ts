/**
 * Sendbird error answers: `{error:true, code, message}`, HTTP 400 for every 4xxxxx code (not found
 * and already exists included), 500 for 500901, 429 for rate limits.
 * https://sendbird.com/docs/chat/v3/platform-api/error-codes
 */
import type { FastifyReply } from 'fastify';
import type { FaultResponder } from '../common/faults.js';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status = code >= 500000 ? 500 : 400,
  ) {
    super(message);
  }
}

export const notFound = (what: string): ApiError => new ApiError(400201, `"${what}" not found.`);
export const alreadyExists = (what: string): ApiError => new ApiError(400202, `"${what}" violates unique constraint.`);
export const missing = (field: string): ApiError => new ApiError(400105, `"${field}" is required.`);
export const invalidValue = (field: string, why = ''): ApiError =>
  new ApiError(400111, `Invalid value: "${field}".${why ? ` ${why}` : ''}`);

export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  return reply.code(err.status).send({ error: true, code: err.code, message: err.message });
}

/** What Sendbird sends with a rate-limited answer; `RetryAfter` in seconds (see the docs' checks). */
export function rateLimitHeaders(retryAfterMs: number, limit: number, windowSec = 1): Record<string, string> {
  return {
    'X-RateLimit-Limit': `${limit};w=${windowSec}`,
    'X-RateLimit-Remaining': '0',
    'X-RateLimit-Reset': (retryAfterMs / 1000).toFixed(3),
    'X-RateLimit-RetryAfter': (retryAfterMs / 1000).toFixed(3),
  };
}

export function sendRateLimited(reply: FastifyReply, retryAfterMs: number, limit: number, scope = 'app'): FastifyReply {
  const secs = (retryAfterMs / 1000).toFixed(3);
  return reply
    .code(429)
    .headers(rateLimitHeaders(retryAfterMs, limit))
    .send({
      error: true,
      code: 500910,
      message: `Too many requests (scope: ${scope}, limit: ${limit};w=1, remaining: 0, retry_after: ${secs}s, reset: ${secs}s)`,
    });
}

export const sendbirdFaultResponder: FaultResponder = {
  defaultErrorStatus: 500,
  error(reply, status) {
    void reply.code(status).send({ error: true, code: 500901, message: 'An unexpected error has occurred. (injected fault)' });
  },
  rateLimited(reply, retryAfterMs) {
    void sendRateLimited(reply, retryAfterMs, 5);
  },
};
