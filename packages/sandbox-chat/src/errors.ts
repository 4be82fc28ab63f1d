/**
 * Errors of the sandbox REST API: one base class, a few subclasses, built by one factory from the
 * answer. The feed answers Sendbird's `{error, code, message}` body with a fitting HTTP status:
 * 401 + 400302 (missing, unknown or expired token), 403 + 400108 / 900050, 404 + 400201.
 * Messages never contain the token.
 */
import { SESSION_TOKEN_ERROR_CODE } from './protocol.js';

export class SandboxApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** Sendbird error code from the body, if any. */
    readonly code?: number,
  ) {
    super(message);
    this.name = 'SandboxApiError';
  }
}

/** The session token is unknown or expired: get a new one from the bridge, then retry. */
export class SandboxSessionError extends SandboxApiError {
  override name = 'SandboxSessionError';
  /** True when the emulator said the token expired (rather than never existed). */
  get expired(): boolean {
    return /expired/i.test(this.message);
  }
}

/** Not a member of the channel (400108) or the channel is frozen (900050). */
export class SandboxForbiddenError extends SandboxApiError {
  override name = 'SandboxForbiddenError';
}

export class SandboxNotFoundError extends SandboxApiError {
  override name = 'SandboxNotFoundError';
}

/** No answer at all: the emulator is down or unreachable. */
export class SandboxConnectionError extends SandboxApiError {
  override name = 'SandboxConnectionError';
  constructor(message: string) {
    super(message, 0);
  }
}

export function sandboxErrorFrom(status: number, body: unknown): SandboxApiError {
  const b = (body && typeof body === 'object' ? body : {}) as { code?: unknown; message?: unknown };
  const code = typeof b.code === 'number' ? b.code : undefined;
  const text = typeof b.message === 'string' && b.message ? b.message : `HTTP ${status}`;
  const message = `[sandbox-chat] ${text}`;
  if (code === SESSION_TOKEN_ERROR_CODE || status === 401) return new SandboxSessionError(message, status, code);
  if (status === 403) return new SandboxForbiddenError(message, status, code);
  if (status === 404) return new SandboxNotFoundError(message, status, code);
  return new SandboxApiError(message, status, code);
}

export function isSessionError(err: unknown): err is SandboxSessionError {
  return err instanceof SandboxSessionError;
}
