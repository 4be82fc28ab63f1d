/**
 * What a job handler may throw to steer the runner. Any other error is retried with backoff.
 */

/** Retrying cannot help (invalid input, a 4xx that will not change): dead-letter at once. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** Retry, but not before `retryAfterMs` (a rate limit or maintenance window said so). */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryLaterError';
  }
}

/** Facts the runner reads from any thrown value; errors from the API clients may carry them too. */
export function failureHints(err: unknown): { permanent: boolean; retryAfterMs?: number } {
  if (err instanceof PermanentJobError) return { permanent: true };
  if (err instanceof RetryLaterError) return { permanent: false, retryAfterMs: err.retryAfterMs };
  // Duck-typed so the client packages need not import the bridge: `retryable === false` or a
  // numeric `retryAfterMs` on their errors is honoured.
  const e = err as { retryable?: unknown; retryAfterMs?: unknown } | null;
  const permanent = e !== null && typeof e === 'object' && e.retryable === false;
  const retryAfterMs = e && typeof e === 'object' && typeof e.retryAfterMs === 'number' ? e.retryAfterMs : undefined;
  return retryAfterMs === undefined ? { permanent } : { permanent, retryAfterMs };
}
