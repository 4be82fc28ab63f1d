/**
 * When to retry and how long to wait. Pure functions so the rules can be read and tested alone.
 *
 * Salesforce answers 503 when it is too busy and 500 on internal errors ("Status Codes and Error
 * Responses"); both are worth another try, as are connections that failed. A 4xx never is: the
 * same request would fail the same way (the one exception, a 401 INVALID_SESSION_ID, is handled by
 * a re-login in the client, not here). 403 REQUEST_LIMIT_EXCEEDED in particular means the daily
 * allowance is spent, and hammering would only make it worse.
 */
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

/** Rules in order: out of attempts -> no; connection error -> yes unless it may duplicate; 5xx -> yes; else no. */
export function shouldRetry({ attempt, maxAttempts, error, retrySafe }: RetryDecisionInput): boolean {
  if (attempt >= maxAttempts) return false;
  if (error instanceof SalesforceConnectionError) return retrySafe || !error.requestSent;
  if (error instanceof SalesforceError) return error.status >= 500 && error.status <= 599;
  return false;
}

/**
 * Capped exponential backoff with "equal jitter": half the window fixed, half random, so clients
 * that failed together do not retry together.
 */
export function retryDelayMs(
  attempt: number,
  { initialDelayMs = INITIAL_RETRY_DELAY_MS, maxDelayMs = MAX_RETRY_DELAY_MS } = {},
  random: () => number = Math.random,
): number {
  const window = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(window / 2 + (window / 2) * random());
}
