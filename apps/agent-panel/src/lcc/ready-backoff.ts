import { backoffDelayMs } from '@sbsf/retry';

/**
 * When to send `"READY"` again. The container may load before the Aura component listens (the
 * utility item starts automatically with the console), and a READY sent then is lost, so the
 * panel repeats it until Aura answers: quickly at first, then backing off, and it gives up after
 * a bounded time so a broken page does not post messages forever.
 */

/** Delay before the second READY. */
export const READY_FIRST_DELAY_MS = 250;
/** Ceiling of the delay between two READYs. */
export const READY_MAX_DELAY_MS = 4_000;
/** Stop trying (and say so) when Aura has not answered within this time. */
export const READY_GIVE_UP_AFTER_MS = 60_000;

/**
 * Delay after the `sent`-th READY (1 = after the first): 250, 500, 1000, 2000, 4000, 4000, ... ms.
 * No jitter: there is one container per Aura component, nothing to spread out.
 */
export function readyDelayMs(sent: number): number {
  return backoffDelayMs(sent, { initialDelayMs: READY_FIRST_DELAY_MS, maxDelayMs: READY_MAX_DELAY_MS, jitter: 'none' });
}
