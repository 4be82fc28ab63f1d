/**
 * Checks every request gets before any route runs, answered in the one error shape with the
 * security headers (the hooks run after the headers are set):
 *
 * - `Host` is required on HTTP/1.1 (RFC 9112 section 3.2: a request without it is answered 400).
 *   Node's own check answers a bare 400 with no body or headers, so the server turns it off
 *   (`requireHostHeader: false`) and this hook makes the same decision: 400 `missing_host`.
 *   HTTP/1.0 may omit Host, as Node allows.
 * - A JSON body is read as UTF-8 (RFC 8259 section 8.1: JSON exchanged between systems is UTF-8).
 *   A Content-Type that declares another charset would be misread, so it is refused: 415
 *   `unsupported_charset`. No charset, `utf-8` and `utf8` (any case, quoted or not) are accepted.
 *
 * And one check routes make of a body field: `salesforceIdOf`, an Id of the expected kind.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, RequestPayload } from 'fastify';
import { idProblem, to18 } from '@sbsf/salesforce';
import { AppError } from '../errors.js';

/** 400 `missing_host` for an HTTP/1.1 request without a Host header. */
export function requireHost(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const { httpVersionMajor, httpVersionMinor } = request.raw;
  const needsHost = httpVersionMajor > 1 || (httpVersionMajor === 1 && httpVersionMinor >= 1);
  if (needsHost && (request.headers.host === undefined || request.headers.host === '')) {
    done(new AppError(400, 'missing_host', 'the Host header is required on HTTP/1.1 requests: send the host name the request is for'));
    return;
  }
  done();
}

/** The media type and charset of a Content-Type value (charset lower-cased, quotes removed), or null. */
export function contentTypeParts(value: string | undefined): { mediaType: string; charset: string | undefined } | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const [type, ...params] = value.split(';');
  let charset: string | undefined;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    if (p.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    charset = p
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
  }
  return { mediaType: (type ?? '').trim().toLowerCase(), charset };
}

const UTF8 = new Set(['utf-8', 'utf8']);
const isJson = (mediaType: string) => mediaType === 'application/json' || /^application\/[^/]+\+json$/.test(mediaType);

/** 415 `unsupported_charset` for a JSON body declared in a charset other than UTF-8. */
export function requireUtf8Json(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: RequestPayload,
  done: <TError extends Error = Error>(err?: TError | null, res?: RequestPayload) => void,
): void {
  const parts = contentTypeParts(request.headers['content-type']);
  if (parts && isJson(parts.mediaType) && parts.charset !== undefined && !UTF8.has(parts.charset)) {
    const message =
      `the body must be UTF-8 JSON: Content-Type declares charset "${parts.charset}"; ` +
      'send it as UTF-8 with charset=utf-8 or no charset';
    done(new AppError(415, 'unsupported_charset', message, { field: 'Content-Type' }));
    return;
  }
  done(null, payload);
}

/** A Salesforce Id of the given key prefix, in its 18-character form; 400 naming the field otherwise. */
export function salesforceIdOf(value: string, field: string, prefix: string, what: string): string {
  const malformed = idProblem(value);
  if (malformed) throw new AppError(400, 'invalid_id', `${field} is not a valid Salesforce Id: ${malformed}`, { field });
  if (!value.startsWith(prefix)) {
    throw new AppError(400, 'invalid_request', `${field} must be a ${what} Id (starting with ${prefix}), not ${value.slice(0, 3)}...`, {
      field,
    });
  }
  return to18(value);
}
