/**
 * The retry decision, as a pure function (rules in order, after stripe-node's `shouldRetry`):
 *   1. out of attempts -> stop
 *   2. no answer at all (network error, timeout) -> back off and retry
 *   3. rate limited (HTTP 429 / code 500910) -> wait what `X-RateLimit-RetryAfter` says, else back off
 *   4. server error (HTTP 5xx / code 500901) -> back off and retry
 *   5. anything else (4xx: not found, exists, bad token, bad params) -> fail fast
 * Sendbird: "implement a retry logic based on the value of the X-RateLimit-RetryAfter"
 * (https://sendbird.com/docs/chat/v3/platform-api/application/understanding-rate-limits/rate-limits).
 */
import { backoffDelayMs, decideRequestRetry, type RequestRetryDecision } from '@sbsf/retry';
import { SendbirdCode, SendbirdConnectionError, SendbirdError, SendbirdRateLimitError } from './errors.js';

export const DEFAULT_MAX_ATTEMPTS = 4;
export const INITIAL_RETRY_DELAY_MS = 250;
export const MAX_RETRY_DELAY_MS = 8_000;
/** A server hint longer than this is not waited out: the caller gets the error instead. */
export const MAX_RETRY_AFTER_MS = 60_000;

export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  initialDelayMs: INITIAL_RETRY_DELAY_MS,
  maxDelayMs: MAX_RETRY_DELAY_MS,
};

/** Sendbird's retryable statuses: 429 and 5xx (its "exists" and "not found" answers are 400s). */
const isRetryableStatus = (status: number): boolean => status === 429 || (status >= 500 && status <= 599);

/**
 * Capped exponential backoff with full jitter: a random delay in [0, base]. Many callers of one
 * app share its rate limit, and full jitter spreads them the widest (see `@sbsf/retry`).
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return backoffDelayMs(attempt, { initialDelayMs: policy.initialDelayMs, maxDelayMs: policy.maxDelayMs, jitter: 'full' }, random);
}

/**
 * The shared ordered rules (`decideRequestRetry`) over what a Sendbird error says.
 * @param attempt the attempt that just failed, 1-based
 */
export function decideRetry(
  error: unknown,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): RequestRetryDecision {
  const rules = {
    backoff: { initialDelayMs: policy.initialDelayMs, maxDelayMs: policy.maxDelayMs, jitter: 'full' as const },
    retryableStatus: isRetryableStatus,
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
  };
  const f = { attempt, maxAttempts: policy.maxAttempts };
  if (error instanceof SendbirdConnectionError) return decideRequestRetry({ ...f, noAnswer: true }, rules, random);
  if (error instanceof SendbirdRateLimitError) {
    const hint = error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs };
    return decideRequestRetry({ ...f, status: 429, ...hint }, rules, random);
  }
  if (error instanceof SendbirdError) {
    // Code 500901 is an internal error whatever HTTP status carried it.
    const status = error.code === SendbirdCode.InternalError ? 500 : error.status;
    return decideRequestRetry({ ...f, status }, rules, random);
  }
  return decideRequestRetry({ ...f }, rules, random);
}
