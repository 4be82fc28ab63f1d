/**
 * The Sendbird client's shared slots (`SharedSlots`) over the store: every instance on the same
 * database books the capped endpoints' slots there (pacing/store.ts), so together they stay at
 * `SENDBIRD_CAPPED_PER_SECOND` however many are running.
 *
 * When the store does not answer, the client paces on its own (`SENDBIRD_CAPPED_PER_SECOND` for
 * this instance alone, as if it were the only one) and tries the store again a few seconds later:
 * the bridge does little without its store anyway, and Sendbird's 429s, which pause the endpoint,
 * bound what several instances send meanwhile. That is logged once when it starts and once when
 * it ends.
 */
import type { SharedSlots } from '@sbsf/sendbird';
import type { Logger } from '../logger.js';
import type { Store } from '../store/types.js';

export function sharedSlots(store: Pick<Store, 'bookSendbirdSlot' | 'pauseSendbirdEndpoint'>, logger: Logger): SharedSlots {
  let failing = false;
  const failed = (err: unknown): never => {
    if (!failing) {
      logger.warn(
        { err },
        'Sendbird pacing: the store did not answer, so this instance paces the capped endpoints on its own until it does',
      );
    }
    failing = true;
    throw err;
  };
  const answered = () => {
    if (!failing) return;
    failing = false;
    logger.info('Sendbird pacing: the store answers again; the capped endpoints are paced with the other instances');
  };
  return {
    async book(endpoint, notBefore, intervalMs) {
      try {
        const at = await store.bookSendbirdSlot(endpoint, notBefore, intervalMs);
        answered();
        return at;
      } catch (err) {
        return failed(err);
      }
    },
    async pause(endpoint, untilMs) {
      try {
        await store.pauseSendbirdEndpoint(endpoint, untilMs);
        answered();
      } catch (err) {
        failed(err);
      }
    },
  };
}
