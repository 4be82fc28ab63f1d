/**
 * Turns every error into the one error shape `{error:{code, message, ...extra}}` with the right
 * status. Client mistakes get a message that names the mistake (and, for schema errors, the
 * field); server faults get "internal error" plus the request id to quote, never a stack trace or
 * the error text (which could hold a secret or an internal detail). Those are logged instead.
 *
 * Outages are not faults of the bridge and are never answered 500: the database unreachable or
 * busy (store/outage.ts) is 503 `store_unavailable`, Salesforce or Sendbird down, slow or rate
 * limiting is 503 `upstream_unavailable`, each with Retry-After, so a client that retries on 503
 * retries. Every 503 answer carries Retry-After (`retryAfterSeconds` of the error, else
 * DEFAULT_RETRY_AFTER_SECONDS).
 */
import { SalesforceError } from '@sbsf/salesforce';
import { SendbirdError } from '@sbsf/sendbird';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorBody } from '../errors.js';
import { isStoreOutage, StoreUnavailableError } from '../store/outage.js';
import { classifyFailure } from '../upstream-failure.js';

/** Retry-After of a 503 whose error names no wait of its own. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** Sets Retry-After (whole seconds, at least 1) unless the answer has one already. */
export function setRetryAfter(reply: FastifyReply, seconds: number | undefined): void {
  if (reply.hasHeader('retry-after')) return;
  const s = typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : DEFAULT_RETRY_AFTER_SECONDS;
  void reply.header('retry-after', String(s));
}

/**
 * A Salesforce or Sendbird failure that reached the handler unconverted: 503 when a retry can
 * help (down, timed out, rate limited), else 502 (the vendor refused what the bridge sent).
 */
function upstreamError(err: SalesforceError | SendbirdError): AppError {
  const failure = classifyFailure(err);
  const system = failure.system === 'sendbird' ? 'Sendbird' : 'Salesforce';
  if (failure.kind === 'retryable') {
    const hintMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
    const seconds = typeof hintMs === 'number' && hintMs > 0 ? Math.ceil(hintMs / 1000) : DEFAULT_RETRY_AFTER_SECONDS;
    const busy = `${system} cannot be reached or is busy right now; retry in a few seconds`;
    return new AppError(503, 'upstream_unavailable', busy, { system: failure.system, retryAfterSeconds: seconds }, { cause: err });
  }
  const message = `${system} refused the bridge's request (code ${failure.code})`;
  return new AppError(502, 'upstream_error', message, { system: failure.system }, { cause: err });
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/case/Subject` -> `case.Subject`; `/items/0/name` -> `items[0].name` (JSON pointer unescaped). */
export function pointerToField(pointer: string): string {
  let field = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    field += /^\d+$/.test(part) ? `[${part}]` : field === '' ? part : `.${part}`;
  }
  return field;
}

/** The field an Ajv error is about, and a message that starts with it. */
export function describeValidationError(err: AjvError, context: string | undefined): { field: string; message: string } {
  const base = pointerToField(err.instancePath ?? '');
  const join = (child: unknown) => (base === '' ? String(child) : `${base}.${String(child)}`);
  const p = err.params ?? {};
  if (err.keyword === 'required' && p.missingProperty !== undefined) {
    const field = join(p.missingProperty);
    return { field, message: `${field} is required` };
  }
  if (err.keyword === 'additionalProperties' && p.additionalProperty !== undefined) {
    const field = join(p.additionalProperty);
    return { field, message: `${field} is not allowed here` };
  }
  const field = base === '' ? (context ?? 'body') : base;
  let detail = err.message ?? 'is invalid';
  if (err.keyword === 'enum' && Array.isArray(p.allowedValues)) detail = `must be one of ${p.allowedValues.map(String).join(', ')}`;
  return { field, message: `${field} ${detail}` };
}

const GENERIC_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  431: 'headers_too_large',
};

/**
 * The answer for an error that is not an AppError but an outage or an upstream failure (503
 * `store_unavailable`, 503 `upstream_unavailable`, 502 `upstream_error`); undefined for anything
 * else. For handlers with their own error shape (the tutorial's `/createticket`).
 */
export function outageError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return undefined;
  if (isStoreOutage(err)) return new StoreUnavailableError(err);
  if (err instanceof SalesforceError || err instanceof SendbirdError) return upstreamError(err);
  return undefined;
}

export function createErrorHandler(opts: { bodyLimitBytes: number }) {
  return function errorHandler(thrown: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply) {
    const error = thrown instanceof AppError ? thrown : (outageError(thrown) ?? thrown);
    if (error instanceof AppError) {
      if (error.status === 503) {
        // An outage, not a bug: a warning, and the client is told when to come back.
        request.log.warn({ err: error.cause ?? error, code: error.code }, error.message);
        setRetryAfter(reply, error.extra.retryAfterSeconds as number | undefined);
      } else if (error.status >= 500) {
        request.log.error({ err: error.cause ?? error }, error.message);
      }
      return reply.status(error.status).send(error.toBody());
    }
    const fe = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
    if (Array.isArray(fe.validation) && fe.validation.length > 0) {
      const { field, message } = describeValidationError(fe.validation[0] as AjvError, fe.validationContext);
      return reply.status(400).send(errorBody('invalid_request', message, { field }));
    }
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send(
          errorBody('payload_too_large', `the request body is larger than the ${opts.bodyLimitBytes}-byte limit`, {
            limitBytes: opts.bodyLimitBytes,
          }),
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply
          .status(415)
          .send(
            errorBody(
              'unsupported_media_type',
              `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here: send application/json`,
            ),
          );
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply
          .status(400)
          .send(
            errorBody('invalid_request', 'the body is empty but Content-Type is application/json: send a JSON body or no Content-Type'),
          );
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply.status(400).send(errorBody('invalid_json', 'the body is not valid JSON'));
    }
    const status = fe.statusCode ?? 500;
    if (status === 400 && error instanceof SyntaxError) {
      return reply.status(400).send(errorBody('invalid_json', 'the body is not valid JSON'));
    }
    if (status >= 400 && status < 500) {
      // Fastify's own client errors carry safe, useful messages.
      return reply.status(status).send(errorBody(GENERIC_CODES[status] ?? 'client_error', fe.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .status(500)
      .send(errorBody('internal', 'internal error; quote the request id when reporting it', { requestId: request.id }));
  };
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0];
  return reply.status(404).send(errorBody('not_found', `no route for ${request.method} ${path}`));
}
