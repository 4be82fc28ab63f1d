/**
 * One error base class for the Salesforce API, a few subclasses, and one factory that builds the
 * right one from a response. REST errors arrive as `[{message, errorCode, fields}]`; OAuth errors
 * as `{error, error_description}` (REST API Developer Guide, "Status Codes and Error Responses";
 * help "OAuth 2.0 ... flow" pages).
 */

/** One item of a REST error body. */
export interface SalesforceErrorItem {
  message: string;
  errorCode: string;
  fields?: string[];
}

export class SalesforceError extends Error {
  override name = 'SalesforceError';
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** Salesforce's `errorCode` (REST) or `error` (OAuth), e.g. MALFORMED_ID, invalid_grant. */
  readonly errorCode: string;
  /** Fields the error names, if any. */
  readonly fields: string[];
  /** The parsed response body, for callers that need the other items. */
  readonly body: unknown;

  constructor(message: string, init: { status: number; errorCode: string; fields?: string[]; body?: unknown }) {
    super(message);
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.fields = init.fields ?? [];
    this.body = init.body;
  }
}

/** OAuth failures (`invalid_client`, `invalid_grant`...) and a 401 that survived one re-login. */
export class SalesforceAuthError extends SalesforceError {
  override name = 'SalesforceAuthError';
}

/** 403 REQUEST_LIMIT_EXCEEDED: the org's API request limit is spent; retrying will not help soon. */
export class SalesforceRequestLimitError extends SalesforceError {
  override name = 'SalesforceRequestLimitError';
}

/** 404 NOT_FOUND (or an error code that says the record is gone). */
export class SalesforceNotFoundError extends SalesforceError {
  override name = 'SalesforceNotFoundError';
}

/** No usable response: refused, reset, dropped or timed out. */
export class SalesforceConnectionError extends SalesforceError {
  override name = 'SalesforceConnectionError';
  /**
   * False only when the request certainly never reached the server (connection refused, DNS
   * failure). When true the server may have acted on it, so a non-idempotent POST must not be
   * repeated blindly.
   */
  readonly requestSent: boolean;
  readonly timedOut: boolean;

  constructor(message: string, init: { requestSent: boolean; timedOut: boolean; cause?: unknown }) {
    super(message, { status: 0, errorCode: init.timedOut ? 'TIMEOUT' : 'CONNECTION_ERROR' });
    this.requestSent = init.requestSent;
    this.timedOut = init.timedOut;
    if (init.cause !== undefined) (this as { cause?: unknown }).cause = init.cause;
  }
}

function firstItem(body: unknown): SalesforceErrorItem | undefined {
  const item: unknown = Array.isArray(body) ? body[0] : body;
  if (item && typeof item === 'object' && typeof (item as SalesforceErrorItem).errorCode === 'string') {
    const it = item as SalesforceErrorItem;
    return { errorCode: it.errorCode, message: String(it.message ?? ''), fields: Array.isArray(it.fields) ? it.fields : [] };
  }
  return undefined;
}

const NOT_FOUND_CODES = new Set(['NOT_FOUND', 'ENTITY_IS_DELETED']);

/** Builds the error for a non-2xx response. `body` is the parsed JSON, or the raw text. */
export function errorFromResponse(status: number, body: unknown): SalesforceError {
  const oauth = body as { error?: unknown; error_description?: unknown } | null;
  if (oauth && typeof oauth === 'object' && !Array.isArray(oauth) && typeof oauth.error === 'string') {
    const desc = typeof oauth.error_description === 'string' ? oauth.error_description : '';
    return new SalesforceAuthError(`[salesforce] OAuth ${status} ${oauth.error}: ${desc}`, {
      status,
      errorCode: oauth.error,
      body,
    });
  }
  const item = firstItem(body);
  const errorCode = item?.errorCode ?? `HTTP_${status}`;
  // A non-JSON body is quoted in part; never cut inside a surrogate pair (the bridge passes it on).
  const detail = item?.message ?? (typeof body === 'string' ? body.slice(0, 200).replace(/[\uD800-\uDBFF]$/, '') : '');
  const init = { status, errorCode, fields: item?.fields ?? [], body };
  const message = `[salesforce] ${status} ${errorCode}: ${detail}`;
  if (errorCode === 'REQUEST_LIMIT_EXCEEDED') return new SalesforceRequestLimitError(message, init);
  if (status === 401 || errorCode === 'INVALID_SESSION_ID') return new SalesforceAuthError(message, init);
  if (status === 404 || NOT_FOUND_CODES.has(errorCode)) return new SalesforceNotFoundError(message, init);
  return new SalesforceError(message, init);
}
