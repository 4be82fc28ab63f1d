/**
 * Capped exponential backoff: the window before retry number `attempt` (1 = after the first
 * failure) is `min(maxDelayMs, initialDelayMs * 2^(attempt - 1))`, and the jitter picks the wait
 * inside it. The three strategies, after "Exponential Backoff And Jitter"
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/):
 *   - `full`: a random wait in [0, window]. Clients that failed together (a 503, a rate limit
 *     shared by every caller of one app) spread over the whole window, which does the least work
 *     under contention; the HTTP clients use it.
 *   - `equal`: half the window fixed, a random wait in the other half, so no wait is ever near 0;
 *     for loops where an immediate retry only repeats the failure (the job queue, a reconnect to a
 *     restarting server).
 *   - `none`: the window itself, for a single sender with nobody to spread out from.
 * `random` returns a number in [0, 1) and is injectable so tests can pin the jitter.
 */

/** Each attempt doubles the window. */
export const BACKOFF_MULTIPLIER = 2;

export type Jitter = 'full' | 'equal' | 'none';

export interface Backoff {
  /** The window of the first retry. */
  initialDelayMs: number;
  /** No window is wider than this. */
  maxDelayMs: number;
  jitter: Jitter;
}

/** The capped window before retry number `attempt`; attempts below 1 count as 1. */
export function backoffWindowMs(attempt: number, { initialDelayMs, maxDelayMs }: Pick<Backoff, 'initialDelayMs' | 'maxDelayMs'>): number {
  const n = Math.max(1, Math.floor(attempt));
  // The exponent is bounded so a large attempt number stays a finite number before the cap.
  return Math.min(maxDelayMs, initialDelayMs * BACKOFF_MULTIPLIER ** Math.min(n - 1, 52));
}

/** The wait before retry number `attempt`, in whole milliseconds, never above `maxDelayMs`. */
export function backoffDelayMs(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const window = backoffWindowMs(attempt, backoff);
  switch (backoff.jitter) {
    case 'full':
      return Math.round(random() * window);
    case 'equal':
      return Math.round(window / 2 + random() * (window / 2));
    case 'none':
      return window;
  }
}
