/**
 * When to retry and how long to wait. Pure functions so the rules can be read and tested alone.
 *
 * Salesforce answers 503 when it is too busy and 500 on internal errors ("Status Codes and Error
 * Responses"); both are worth another try, as are connections that failed. A 4xx never is: the
 * same request would fail the same way (the one exception, a 401 INVALID_SESSION_ID, is handled by
 * a re-login in the client, not here). 403 REQUEST_LIMIT_EXCEEDED in particular means the daily
 * allowance is spent, and hammering would only make it worse.
 */
import { backoffDelayMs, decideRequestRetry } from '@sbsf/retry';
import { SalesforceConnectionError, SalesforceError } from './errors.js';

export const DEFAULT_MAX_ATTEMPTS = 3;
export const INITIAL_RETRY_DELAY_MS = 200;
export const MAX_RETRY_DELAY_MS = 5_000;

export interface RetryDecisionInput {
  /** The attempt that just failed, starting at 1. */
  attempt: number;
  maxAttempts: number;
  error: unknown;
  /**
   * True when sending the request twice cannot do harm (GET, PATCH, DELETE, upsert by External
   * Id). A plain create (POST) is not: after a connection error we cannot know whether the first
   * one was applied.
   */
  retrySafe: boolean;
}

/** Salesforce's retryable statuses: 5xx only (its 409 means an API version mismatch, not a race). */
const isServerError = (status: number): boolean => status >= 500 && status <= 599;

/**
 * The shared rules in order (`decideRequestRetry`): out of attempts -> no; connection error -> yes
 * unless it may duplicate; 5xx -> yes; else no. Salesforce sends no Retry-After to obey.
 */
export function shouldRetry({ attempt, maxAttempts, error, retrySafe }: RetryDecisionInput): boolean {
  // Only the verdict is used here; the client computes its wait with its own options (`retryDelayMs`).
  const backoff = { initialDelayMs: INITIAL_RETRY_DELAY_MS, maxDelayMs: MAX_RETRY_DELAY_MS, jitter: 'full' } as const;
  if (error instanceof SalesforceConnectionError) {
    const unsafeToRepeat = !retrySafe && error.requestSent;
    return decideRequestRetry({ attempt, maxAttempts, noAnswer: true, unsafeToRepeat }, { backoff }).retry;
  }
  if (error instanceof SalesforceError) {
    return decideRequestRetry({ attempt, maxAttempts, status: error.status }, { backoff, retryableStatus: isServerError }).retry;
  }
  return false;
}

/** Capped exponential backoff with full jitter (see `@sbsf/retry` for why clients use it). */
export function retryDelayMs(
  attempt: number,
  { initialDelayMs = INITIAL_RETRY_DELAY_MS, maxDelayMs = MAX_RETRY_DELAY_MS } = {},
  random: () => number = Math.random,
): number {
  return backoffDelayMs(attempt, { initialDelayMs, maxDelayMs, jitter: 'full' }, random);
}
