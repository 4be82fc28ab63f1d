/**
 * The bridge's customer API (docs/bridge.md): `POST /tickets`, `GET /tickets/{id}`,
 * `POST /session`. One `request()` core; the retry decision is a pure function.
 *
 * Ticket creation is safe to repeat because every try of one submission carries the SAME
 * `Idempotency-Key`: the bridge answers a repeat with the same ticket, never a second Case. So
 * a dropped connection, a 5xx, a 429 and the bridge's own 503 `ticket_pending` ("recorded, retry
 * with the same key") are all retried, waiting as long as `Retry-After` says.
 */
import { backoffDelayMs } from '@sbsf/retry';
import type {
  BridgeErrorBody,
  ChatEndView,
  CsatAnswerBody,
  CsatView,
  SendbirdSession,
  TicketCaseFields,
  TicketCreated,
  TicketStatus,
} from '@sbsf/wire';
import type { AuthProvider, CustomerProfile } from './auth.js';

export const INITIAL_RETRY_DELAY_MS = 500;
export const MAX_RETRY_DELAY_MS = 10_000;
/** When the bridge says `ticket_pending` without a Retry-After (it normally sends 5 s). */
export const DEFAULT_PENDING_DELAY_MS = 5_000;
/** Longest wait we honour from a Retry-After before handing back to the person. */
export const MAX_SERVER_DELAY_MS = 60_000;
/** Tries per ticket submission (about a minute of `ticket_pending` at 5 s). */
export const TICKET_MAX_ATTEMPTS = 12;
/** Tries for reads and session renewals. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/**
 * Tries when the bridge is unreachable or failing (not `ticket_pending`): a few seconds of
 * backoff, then the person sees "try again" instead of a long silent wait.
 */
export const FAILURE_MAX_ATTEMPTS = 4;

export class BridgeError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 = no answer. */
    readonly status: number,
    /** The bridge's stable code (`invalid_request`, `ticket_pending`, `case_rejected`, ...). */
    readonly code: string,
    readonly details: { field?: string; retryAfterMs?: number; ticketId?: string; requestId?: string } = {},
  ) {
    super(message);
    this.name = 'BridgeError';
  }
  get field(): string | undefined {
    return this.details.field;
  }
}

/** The bridge did not answer at all (down, offline, blocked by CORS). */
export class BridgeUnreachableError extends BridgeError {
  constructor(message = 'The support service is unreachable: it did not answer. Check your connection, then try again.') {
    super(message, 0, 'unreachable');
    this.name = 'BridgeUnreachableError';
  }
}

/** `Retry-After` in seconds or as an HTTP date; the body's `retryAfterSeconds` as a fallback. */
export function parseRetryAfter(header: string | null, bodySeconds: unknown, now: number = Date.now()): number | undefined {
  if (header) {
    const secs = Number(header);
    if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  if (typeof bodySeconds === 'number' && Number.isFinite(bodySeconds) && bodySeconds >= 0) return Math.round(bodySeconds * 1000);
  return undefined;
}

export function bridgeErrorFrom(status: number, body: unknown, retryAfterHeader: string | null): BridgeError {
  const e = (body as Partial<BridgeErrorBody> | undefined)?.error;
  const code = typeof e?.code === 'string' ? e.code : status >= 500 ? 'server_error' : 'request_failed';
  const message = typeof e?.message === 'string' && e.message ? e.message : `The support service answered HTTP ${status}.`;
  const retryAfterMs = parseRetryAfter(retryAfterHeader, e?.retryAfterSeconds);
  return new BridgeError(message, status, code, {
    ...(typeof e?.field === 'string' ? { field: e.field } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(typeof e?.ticketId === 'string' ? { ticketId: e.ticketId } : {}),
    ...(typeof e?.requestId === 'string' ? { requestId: e.requestId } : {}),
  });
}

/**
 * What went wrong, in the customer's words:
 * - `unreachable`: no answer at all (network failure, bridge down, CORS);
 * - `busy`: the bridge answered 429, or 503 with a Retry-After (other than `ticket_pending`);
 * - `pending`: `503 ticket_pending`, the ticket is recorded and finishing;
 * - `failing`: any other 5xx;
 * - `refused`: anything else (the bridge's own message).
 * `retryable` problems are the ones a "Try again" can fix.
 */
export type BridgeProblemKind = 'unreachable' | 'busy' | 'pending' | 'failing' | 'refused';

export interface BridgeProblem {
  kind: BridgeProblemKind;
  message: string;
  retryable: boolean;
}

export function problemKind(err: unknown): BridgeProblemKind {
  if (err instanceof BridgeUnreachableError) return 'unreachable';
  if (!(err instanceof BridgeError)) return 'refused';
  if (err.status === 503 && err.code === 'ticket_pending') return 'pending';
  if (err.status === 429 || (err.status === 503 && err.details.retryAfterMs !== undefined)) return 'busy';
  if (err.status >= 500) return 'failing';
  return 'refused';
}

export function describeBridgeProblem(err: unknown): BridgeProblem {
  const kind = problemKind(err);
  const retryable = kind !== 'refused';
  switch (kind) {
    case 'unreachable':
      return { kind, retryable, message: new BridgeUnreachableError().message };
    case 'busy': {
      const ms = err instanceof BridgeError ? err.details.retryAfterMs : undefined;
      const when = ms !== undefined && ms > 0 ? `Try again in about ${Math.max(1, Math.ceil(ms / 1000))} seconds.` : 'Try again soon.';
      return { kind, retryable, message: `The support service is busy right now. ${when}` };
    }
    case 'pending':
      return {
        kind,
        retryable,
        message: 'Your ticket is recorded but is taking longer than usual to finish. Try again in a minute: you will not get a duplicate.',
      };
    case 'failing':
      return { kind, retryable, message: 'The support service had a problem answering. Try again in a moment.' };
    default:
      return { kind, retryable, message: err instanceof Error && err.message ? err.message : 'Something went wrong. Please try again.' };
  }
}

/** Whether the app calls the bridge again after a failed call, and when. */
export type BridgeRetryDecision =
  { retry: false } | { retry: true; delayMs: number; reason: 'pending' | 'rate_limited' | 'unreachable' | 'server_error' };

/** Capped exponential backoff with equal jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  return backoffDelayMs(attempt, { initialDelayMs: INITIAL_RETRY_DELAY_MS, maxDelayMs: MAX_RETRY_DELAY_MS, jitter: 'equal' }, random);
}

/**
 * Whether to try again after try number `attempt` failed with `err`, and when. Rules in order:
 * out of tries -> no; not safe to repeat -> no; a server wait over a minute -> no;
 * `ticket_pending` -> after Retry-After; 429 -> after Retry-After (else backoff); no answer or
 * 5xx -> backoff, for at most FAILURE_MAX_ATTEMPTS tries; anything else -> no.
 */
export function decideRetry(
  err: BridgeError,
  attempt: number,
  maxAttempts: number,
  safeToRepeat: boolean,
  random?: () => number,
): BridgeRetryDecision {
  if (attempt >= maxAttempts) return { retry: false };
  if (!safeToRepeat) return { retry: false };
  const hinted = err.details.retryAfterMs;
  if (hinted !== undefined && hinted > MAX_SERVER_DELAY_MS) return { retry: false };
  if (err.status === 503 && err.code === 'ticket_pending')
    return { retry: true, delayMs: hinted ?? DEFAULT_PENDING_DELAY_MS, reason: 'pending' };
  if (err.status === 429) return { retry: true, delayMs: hinted ?? backoffDelay(attempt, random), reason: 'rate_limited' };
  if (attempt >= FAILURE_MAX_ATTEMPTS) return { retry: false };
  if (err instanceof BridgeUnreachableError) return { retry: true, delayMs: backoffDelay(attempt, random), reason: 'unreachable' };
  if (err.status >= 500) return { retry: true, delayMs: hinted ?? backoffDelay(attempt, random), reason: 'server_error' };
  return { retry: false };
}

export interface RetryNotice {
  /** The try that failed (1-based). */
  attempt: number;
  delayMs: number;
  reason: Extract<BridgeRetryDecision, { retry: true }>['reason'];
  /** What the failed try met, as the page names it (`unreachable` vs `busy`). */
  problem: BridgeProblemKind;
}

export interface BridgeClientOptions {
  baseUrl: string;
  auth: AuthProvider;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

interface CallOptions {
  method: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  maxAttempts?: number;
  /** A POST is repeated only when the caller says it is idempotent. */
  safeToRepeat?: boolean;
  onRetry?: (n: RetryNotice) => void;
  signal?: AbortSignal;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class BridgeClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly o: BridgeClientOptions) {
    if (!/^https?:\/\//.test(o.baseUrl)) throw new Error('[customer-app] bridgeUrl must be an http(s) URL');
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = o.fetch ?? ((...a) => fetch(...a));
    this.sleep = o.sleep ?? abortableSleep;
  }

  private async request<T>(path: string, opts: CallOptions): Promise<T> {
    const max = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const safe = opts.safeToRepeat ?? opts.method === 'GET';
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(path, opts);
      } catch (err) {
        if (!(err instanceof BridgeError)) throw err;
        const d = decideRetry(err, attempt, max, safe, this.o.random);
        if (!d.retry || opts.signal?.aborted) throw err;
        opts.onRetry?.({ attempt, delayMs: d.delayMs, reason: d.reason, problem: problemKind(err) });
        await this.sleep(d.delayMs, opts.signal);
      }
    }
  }

  private async once<T>(path: string, opts: CallOptions): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, {
        method: opts.method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new BridgeUnreachableError();
    }
    const text = await res.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) throw bridgeErrorFrom(res.status, body, res.headers.get('retry-after'));
    return body as T;
  }

  /**
   * Opens a ticket. `idempotencyKey` is made ONCE per submission by the caller and is the same
   * on every try, automatic or by the person pressing "try again".
   */
  async createTicket(
    caseFields: TicketCaseFields,
    profile: CustomerProfile,
    opts: { idempotencyKey: string; onRetry?: (n: RetryNotice) => void; signal?: AbortSignal },
  ): Promise<TicketCreated> {
    if (!opts.idempotencyKey) throw new Error('[customer-app] an Idempotency-Key is required');
    const cred = await this.o.auth.credentials(profile);
    return this.request<TicketCreated>('/tickets', {
      method: 'POST',
      headers: { ...cred.headers, 'idempotency-key': opts.idempotencyKey },
      body: { ...(cred.customer ? { customer: cred.customer } : {}), case: caseFields },
      maxAttempts: TICKET_MAX_ATTEMPTS,
      safeToRepeat: true,
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  async getTicket(id: string, signal?: AbortSignal): Promise<TicketStatus> {
    const cred = await this.o.auth.credentials();
    return this.request<TicketStatus>(`/tickets/${encodeURIComponent(id)}`, {
      method: 'GET',
      headers: cred.headers,
      ...(signal ? { signal } : {}),
    });
  }

  /** The satisfaction survey of a ticket's Case; null when the Case has none (not closed yet). */
  async getCsat(caseId: string): Promise<CsatView['csat'] | null> {
    const cred = await this.o.auth.credentials();
    try {
      return (await this.request<CsatView>(`/tickets/${encodeURIComponent(caseId)}/csat`, { method: 'GET', headers: cred.headers })).csat;
    } catch (err) {
      if (err instanceof BridgeError && err.code === 'csat_not_found') return null;
      throw err;
    }
  }

  /** Answers the survey. Safe to repeat: the same answer again is a no-op on the bridge. */
  async answerCsat(caseId: string, answer: CsatAnswerBody, profile: CustomerProfile = {}): Promise<CsatView['csat']> {
    const cred = await this.o.auth.credentials(profile);
    const body = { ...answer, ...(cred.customer ? { customer: cred.customer } : {}) };
    const res = await this.request<CsatView>(`/tickets/${encodeURIComponent(caseId)}/csat`, {
      method: 'POST',
      headers: cred.headers,
      body,
      safeToRepeat: true,
    });
    return res.csat;
  }

  /** Ends the chat of a ticket's Case (once; repeating it answers the end recorded first). */
  async endChat(caseId: string, profile: CustomerProfile = {}): Promise<ChatEndView['end']> {
    const cred = await this.o.auth.credentials(profile);
    const res = await this.request<ChatEndView>(`/tickets/${encodeURIComponent(caseId)}/end`, {
      method: 'POST',
      headers: cred.headers,
      body: cred.customer ? { customer: cred.customer } : {},
      safeToRepeat: true,
    });
    return res.end;
  }

  /** A fresh Sendbird session token for this customer. Repeating it only issues another token. */
  async renewSession(profile: CustomerProfile = {}): Promise<SendbirdSession> {
    const cred = await this.o.auth.credentials(profile);
    return this.request<SendbirdSession>('/session', {
      method: 'POST',
      headers: cred.headers,
      body: cred.customer ? { customer: cred.customer } : {},
      safeToRepeat: true,
    });
  }
}
