/**
 * Sendbird errors, keyed on Sendbird's own `code` and never on the HTTP status: Sendbird answers
 * HTTP 400 both for "not found" (400201) and for "already exists" (400202), and HTTP 429 or 500
 * with code 500910 for rate limits. https://sendbird.com/docs/chat/v3/platform-api/error-codes
 */

/** The Sendbird codes this client gives a class of their own. */
export const SendbirdCode = {
  UnexpectedParameterTypeString: 400100,
  MissingRequiredParameter: 400105,
  UnauthorizedRequest: 400108,
  InvalidValue: 400111,
  ResourceNotFound: 400201,
  ResourceAlreadyExists: 400202,
  InvalidSessionToken: 400302,
  InvalidApiToken: 400401,
  InternalError: 500901,
  RateLimitExceeded: 500910,
  ChannelFrozen: 900050,
} as const;

export interface SendbirdErrorInit {
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  /** Sendbird's `code`, or 0 when the body carried none. */
  code: number;
  message: string;
  method?: string;
  /** Path template of the call (ids left out so no user data leaks into logs). */
  path?: string;
  cause?: unknown;
}

export class SendbirdError extends Error {
  readonly status: number;
  readonly code: number;
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor(init: SendbirdErrorInit) {
    super(`[sendbird] ${init.message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.method = init.method;
    this.path = init.path;
  }
}

/** 400201: the user, channel or message does not exist. */
export class SendbirdNotFoundError extends SendbirdError {}

/** 400202: the user_id or channel_url is taken; an idempotent create can read it back. */
export class SendbirdAlreadyExistsError extends SendbirdError {}

/** 400401: the Api-Token is missing or wrong. Retrying will not help. */
export class SendbirdAuthError extends SendbirdError {}

/** 500910 or HTTP 429: slow down; `retryAfterMs` comes from `X-RateLimit-RetryAfter` when sent. */
export class SendbirdRateLimitError extends SendbirdError {
  readonly retryAfterMs: number | undefined;
  constructor(init: SendbirdErrorInit & { retryAfterMs?: number }) {
    super(init);
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** No answer: network failure, dropped connection or the client's own timeout. */
export class SendbirdConnectionError extends SendbirdError {}

interface ErrorBody {
  code?: unknown;
  message?: unknown;
}

/**
 * `X-RateLimit-RetryAfter` as milliseconds. Sendbird does not document the unit in the header
 * table; its rate-limit error text reads `retry_after: 0.0697…s`, so the value is taken as
 * (possibly fractional) SECONDS. Check on a real app (docs/emulator-sendbird.md).
 */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  return Math.ceil(seconds * 1000);
}

/** The one factory: builds the right class from an HTTP answer. */
export function sendbirdErrorFromResponse(args: {
  status: number;
  body: unknown;
  headers: { get(name: string): string | null };
  method?: string;
  path?: string;
}): SendbirdError {
  const body = (typeof args.body === 'object' && args.body !== null ? args.body : {}) as ErrorBody;
  const code = typeof body.code === 'number' ? body.code : 0;
  const text = typeof body.message === 'string' && body.message ? body.message : `HTTP ${args.status}`;
  const where = args.method && args.path ? ` (${args.method} ${args.path})` : '';
  const init: SendbirdErrorInit = {
    status: args.status,
    code,
    message: `${text}${code ? ` [code ${code}]` : ''}${where}`,
    method: args.method,
    path: args.path,
  };
  if (code === SendbirdCode.RateLimitExceeded || args.status === 429) {
    return new SendbirdRateLimitError({
      ...init,
      retryAfterMs: parseRetryAfter(args.headers.get('x-ratelimit-retryafter')),
    });
  }
  switch (code) {
    case SendbirdCode.ResourceNotFound:
      return new SendbirdNotFoundError(init);
    case SendbirdCode.ResourceAlreadyExists:
      return new SendbirdAlreadyExistsError(init);
    case SendbirdCode.InvalidApiToken:
      return new SendbirdAuthError({
        ...init,
        message: `${init.message}: check apiToken (a master or secondary API token of this app)`,
      });
    default:
      return new SendbirdError(init);
  }
}
