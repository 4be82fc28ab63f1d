/**
 * Reconnect and retry timing: capped exponential backoff with equal jitter (a wait is between
 * half and all of the capped delay), so many panes dropped by one emulator restart do not
 * reconnect in lockstep, and none reconnects at once into a server that is still starting.
 */
import { BACKOFF_MULTIPLIER, backoffDelayMs } from '@sbsf/retry';

export { BACKOFF_MULTIPLIER };
export const INITIAL_RETRY_DELAY_MS = 500;
export const MAX_RETRY_DELAY_MS = 15_000;

/** Wait before retry number `attempt` (1 = the first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  return backoffDelayMs(attempt, { initialDelayMs: INITIAL_RETRY_DELAY_MS, maxDelayMs: MAX_RETRY_DELAY_MS, jitter: 'equal' }, random);
}
