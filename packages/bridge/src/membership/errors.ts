/** What a membership job throws to steer the runner. */
import type { CaseOutcome } from './reconciler.js';

/**
 * Every Case of a reconcile job failed in a way a retry can fix (Sendbird or Salesforce down,
 * rate limited): the runner retries the job with its backoff, or after `retryAfterMs` when
 * Sendbird said how long to wait.
 */
export class ReconcileIncompleteError extends Error {
  readonly retryAfterMs: number | undefined;

  constructor(readonly failed: readonly CaseOutcome[]) {
    const first = failed[0]?.error;
    super(`[membership] ${failed.length} Case(s) not reconciled yet${first ? ` (${first.system} ${first.code}: ${first.message})` : ''}`);
    this.name = 'ReconcileIncompleteError';
    const hints = failed.map((o) => o.retryAfterMs).filter((v): v is number => typeof v === 'number');
    this.retryAfterMs = hints.length > 0 ? Math.max(...hints) : undefined;
  }
}
