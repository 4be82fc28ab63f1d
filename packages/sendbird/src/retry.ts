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

export type RetryDecision = { retry: false; reason: string } | { retry: true; delayMs: number; reason: string };

/** Capped exponential backoff with "full jitter": a random delay in [base/2, base]. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

/**
 * @param attempt the attempt that just failed, 1-based
 */
export function decideRetry(
  error: unknown,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'out of attempts' };
  if (error instanceof SendbirdConnectionError) {
    return { retry: true, delayMs: backoffDelay(attempt, policy, random), reason: 'no answer' };
  }
  if (error instanceof SendbirdRateLimitError) {
    if (error.retryAfterMs !== undefined) {
      if (error.retryAfterMs > MAX_RETRY_AFTER_MS) return { retry: false, reason: 'retry-after too long' };
      return { retry: true, delayMs: error.retryAfterMs, reason: 'rate limited (server hint)' };
    }
    return { retry: true, delayMs: backoffDelay(attempt, policy, random), reason: 'rate limited' };
  }
  if (error instanceof SendbirdError && (error.status >= 500 || error.code === SendbirdCode.InternalError)) {
    return { retry: true, delayMs: backoffDelay(attempt, policy, random), reason: 'server error' };
  }
  return { retry: false, reason: 'not retryable' };
}
