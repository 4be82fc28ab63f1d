/**
 * When to retry a failed job: a pure function with its rules in order, and capped, jittered
 * exponential backoff with named constants (the stripe-node pattern; the backoff itself is
 * `@sbsf/retry`'s).
 */
import { BACKOFF_MULTIPLIER, backoffDelayMs as sharedBackoffDelayMs } from '@sbsf/retry';

export { BACKOFF_MULTIPLIER };

/** First retry waits about this long. */
export const INITIAL_RETRY_DELAY_MS = 1_000;
/** No retry waits longer than this (so a long outage is noticed within minutes of its end). */
export const MAX_RETRY_DELAY_MS = 5 * 60_000;
/** A server's retry-after hint is obeyed, but never beyond this. */
export const MAX_HINTED_DELAY_MS = 60 * 60_000;

/**
 * The wait before retry number `attempt` (1 = after the first failure): "equal jitter", i.e.
 * half of the capped exponential delay plus a random part of the other half, so many jobs failing
 * together (an outage) spread out instead of retrying in lockstep, and no wait is ever ~0.
 * `random` returns [0, 1); injectable for tests.
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  return sharedBackoffDelayMs(attempt, { initialDelayMs: INITIAL_RETRY_DELAY_MS, maxDelayMs: MAX_RETRY_DELAY_MS, jitter: 'equal' }, random);
}

/** A failed job's fate: run again after `delayMs`, or dead-letter it. */
export type JobRetryDecision = { retry: false; reason: string } | { retry: true; delayMs: number };

export interface FailureFacts {
  /** Attempts made so far, including the one that just failed. */
  attempts: number;
  maxAttempts: number;
  /** The handler said retrying cannot help (bad input, a permanent API error). */
  permanent?: boolean;
  /** The other side said when to come back (e.g. Sendbird's X-RateLimit-RetryAfter). */
  retryAfterMs?: number;
}

/** Rules in order: permanent -> dead; out of attempts -> dead; server hint -> obey; else backoff. */
export function decideRetry(f: FailureFacts, random: () => number = Math.random): JobRetryDecision {
  if (f.permanent) return { retry: false, reason: 'permanent error' };
  if (f.attempts >= f.maxAttempts) return { retry: false, reason: `gave up after ${f.attempts} attempts` };
  if (f.retryAfterMs !== undefined && Number.isFinite(f.retryAfterMs) && f.retryAfterMs >= 0) {
    return { retry: true, delayMs: Math.min(f.retryAfterMs, MAX_HINTED_DELAY_MS) };
  }
  return { retry: true, delayMs: backoffDelayMs(f.attempts, random) };
}
