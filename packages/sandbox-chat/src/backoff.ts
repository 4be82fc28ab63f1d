/**
 * Reconnect and retry timing: capped exponential backoff with "equal jitter" (a wait is between
 * half and all of the capped delay), so many panes dropped by one emulator restart do not
 * reconnect in lockstep.
 */

export const INITIAL_RETRY_DELAY_MS = 500;
export const MAX_RETRY_DELAY_MS = 15_000;
export const BACKOFF_MULTIPLIER = 2;

/** Wait before retry number `attempt` (1 = the first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  const capped = Math.min(MAX_RETRY_DELAY_MS, INITIAL_RETRY_DELAY_MS * BACKOFF_MULTIPLIER ** (n - 1));
  return Math.round(capped / 2 + random() * (capped / 2));
}
