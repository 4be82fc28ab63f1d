import { type Backoff, backoffDelayMs } from './backoff.js';

/**
 * Whether an HTTP client sends a failed request again, and after how long: a pure function with
 * its rules in order (the stripe-node `shouldRetry` pattern):
 *   1. out of attempts -> no
 *   2. no answer (connection refused or reset, timeout) -> yes, unless the request may have been
 *      applied and is not safe to repeat
 *   3. the server said when to come back (Retry-After and the like) -> wait that long, unless it
 *      is longer than `maxRetryAfterMs`
 *   4. a retryable status -> back off
 *   5. anything else -> no: the same request would fail the same way
 */

/** The HTTP statuses worth another try by default: timeout, conflict, rate limit, server errors. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || (status >= 500 && status <= 599);
}

/** What is known about the attempt that just failed. */
export interface FailedRequest {
  /** The attempt that just failed, starting at 1. */
  attempt: number;
  maxAttempts: number;
  /** No HTTP answer arrived. */
  noAnswer?: boolean;
  /** Sending it again could apply it twice (it may have reached the server and is not idempotent). */
  unsafeToRepeat?: boolean;
  /** The HTTP status of the answer (or the status the client's error stands for). */
  status?: number;
  /** The server's hint of when to come back, in milliseconds. */
  retryAfterMs?: number;
}

export interface RetryRules {
  backoff: Backoff;
  /** Which statuses are retryable; `isTransientStatus` unless the API says otherwise. */
  retryableStatus?: (status: number) => boolean;
  /** A server hint longer than this is not waited out: the caller gets the error instead. */
  maxRetryAfterMs?: number;
}

export type RequestRetryDecision = { retry: false; reason: string } | { retry: true; delayMs: number; reason: string };

export function decideRequestRetry(f: FailedRequest, rules: RetryRules, random: () => number = Math.random): RequestRetryDecision {
  if (f.attempt >= f.maxAttempts) return { retry: false, reason: 'out of attempts' };
  const backoff = (reason: string): RequestRetryDecision => ({
    retry: true,
    delayMs: backoffDelayMs(f.attempt, rules.backoff, random),
    reason,
  });
  if (f.noAnswer) return f.unsafeToRepeat ? { retry: false, reason: 'no answer; may have been applied' } : backoff('no answer');
  const hint = f.retryAfterMs;
  if (hint !== undefined && Number.isFinite(hint) && hint >= 0) {
    if (rules.maxRetryAfterMs !== undefined && hint > rules.maxRetryAfterMs) return { retry: false, reason: 'retry-after too long' };
    return { retry: true, delayMs: Math.round(hint), reason: 'server hint' };
  }
  if (f.status !== undefined && (rules.retryableStatus ?? isTransientStatus)(f.status)) return backoff(`status ${f.status}`);
  return { retry: false, reason: 'not retryable' };
}
