/**
 * Turns every error into the one error shape `{error:{code, message, ...extra}}` with the right
 * status. Client mistakes get a message that names the mistake (and, for schema errors, the
 * field); server faults get "internal error" plus the request id to quote, never a stack trace or
 * the error text (which could hold a secret or an internal detail). Those are logged instead.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorBody } from '../errors.js';

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

export function createErrorHandler(opts: { bodyLimitBytes: number }) {
  return function errorHandler(error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply) {
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error.cause ?? error }, error.message);
      return reply.status(error.status).send(error.toBody());
    }
    const fe = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
    if (Array.isArray(fe.validation) && fe.validation.length > 0) {
      const { field, message } = describeValidationError(fe.validation[0] as AjvError, fe.validationContext);
      return reply.status(400).send(errorBody('invalid_request', message, { field }));
    }
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send(errorBody('payload_too_large', `the request body is larger than the ${opts.bodyLimitBytes}-byte limit`, { limitBytes: opts.bodyLimitBytes }));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply
          .status(415)
          .send(errorBody('unsupported_media_type', `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here: send application/json`));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.status(400).send(errorBody('invalid_request', 'the body is empty but Content-Type is application/json: send a JSON body or no Content-Type'));
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
    return reply.status(500).send(errorBody('internal', 'internal error; quote the request id when reporting it', { requestId: request.id }));
  };
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0];
  return reply.status(404).send(errorBody('not_found', `no route for ${request.method} ${path}`));
}
