/**
 * One HTTP exchange with a timeout, turning every failure to get a response into a
 * SalesforceConnectionError that says whether the request may have reached the server.
 */
import { SalesforceConnectionError } from './errors.js';

/** Failures that happen before a single byte of the request is sent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export interface RawResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

export async function exchange(
  fetchImpl: typeof fetch,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
  what: string,
): Promise<RawResponse> {
  // A controller and a cleared timer rather than AbortSignal.timeout(): that one stays alive (a
  // weakly held timer) until it fires, for every request, long after the answer came. The timer
  // runs until the body is read, so it bounds the whole exchange.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  let stage: 'connect' | 'read' = 'connect';
  try {
    const res = await fetchImpl(url, { ...init, signal: controller.signal });
    stage = 'read';
    const text = await res.text();
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.status, headers: res.headers, body };
  } catch (err) {
    const timedOut = controller.signal.aborted;
    const code = errorCode(err);
    const requestSent = stage === 'read' || timedOut || !(code && NOT_SENT_CODES.has(code));
    const why = timedOut ? `timed out after ${timeoutMs} ms` : `failed (${code ?? (err as Error)?.message ?? 'unknown'})`;
    throw new SalesforceConnectionError(`[salesforce] ${what} ${why}`, { requestSent, timedOut, cause: err });
  } finally {
    clearTimeout(timer);
  }
}
