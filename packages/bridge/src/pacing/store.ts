/**
 * The shared pacing's part of the store (table `sendbird_pacing`, migration 11), over the query
 * layer (store/sql.ts): the slots of Sendbird's rate-capped endpoints, booked by every instance
 * that calls one Sendbird application (pacing/shared-slots.ts).
 *
 * One row per endpoint holds `next_at`, GCRA's theoretical arrival time: a booking takes the slot
 * at `max(next_at, notBefore)` and moves `next_at` one interval past it, in one statement (the row
 * lock orders concurrent bookings). So the slots of all instances together are at least one
 * interval apart, and an instance that books nothing leaves its share to those that do. A 429
 * pause moves `next_at` to the pause's end without booking anything.
 *
 * The times are the instances' own clocks (epoch ms), as for every lease in the store: instances
 * whose clocks disagree by d ms may send two calls d ms closer than the interval.
 */
import { all, get, run, type Body, type Db } from '../store/sql.js';
import type { SendbirdPacing, Store, StoreSettings } from '../store/types.js';

interface PacingRow {
  endpoint: string;
  next_at: number | string;
  booked: number | string;
  paused_until: number | string | null;
}

const toPacing = (r: PacingRow): SendbirdPacing => ({
  endpoint: r.endpoint,
  nextAt: Number(r.next_at),
  booked: Number(r.booked),
  pausedUntil: r.paused_until === null ? null : Number(r.paused_until),
});

/** Whole milliseconds, as the columns hold them (a fraction would be refused by PostgreSQL's bigint). */
const ms = (v: number): number => Math.ceil(v);

export function pacingStore(db: Db, s: StoreSettings) {
  const part = {
    bookSendbirdSlot(endpoint: string, notBefore: number, intervalMs: number): Promise<number> {
      const from = ms(notBefore);
      const step = Math.max(1, ms(intervalMs));
      return db.write(function* (): Body<number> {
        const row = yield* get<{ next_at: number | string }>(
          `INSERT INTO sendbird_pacing (endpoint, next_at, booked, updated_at) VALUES (?, CAST(? AS BIGINT), 1, ?)
           ON CONFLICT (endpoint) DO UPDATE SET
             next_at = CASE WHEN sendbird_pacing.next_at > CAST(? AS BIGINT) THEN sendbird_pacing.next_at ELSE CAST(? AS BIGINT) END
                       + CAST(? AS BIGINT),
             booked = sendbird_pacing.booked + 1,
             updated_at = excluded.updated_at
           RETURNING next_at`,
          endpoint,
          from + step,
          s.now(),
          from,
          from,
          step,
        );
        // The slot is the one just booked: one interval before the new next_at.
        return Number(row!.next_at) - step;
      });
    },

    pauseSendbirdEndpoint(endpoint: string, untilMs: number): Promise<void> {
      const until = ms(untilMs);
      return db.write(function* (): Body<void> {
        yield* run(
          `INSERT INTO sendbird_pacing (endpoint, next_at, booked, paused_until, updated_at) VALUES (?, CAST(? AS BIGINT), 0, CAST(? AS BIGINT), ?)
           ON CONFLICT (endpoint) DO UPDATE SET
             next_at = CASE WHEN sendbird_pacing.next_at > CAST(? AS BIGINT) THEN sendbird_pacing.next_at ELSE CAST(? AS BIGINT) END,
             paused_until = CASE WHEN sendbird_pacing.paused_until > CAST(? AS BIGINT) THEN sendbird_pacing.paused_until ELSE CAST(? AS BIGINT) END,
             updated_at = excluded.updated_at`,
          endpoint,
          until,
          until,
          s.now(),
          until,
          until,
          until,
          until,
        );
      });
    },

    async listSendbirdPacing(): Promise<SendbirdPacing[]> {
      const rows = await db.read(() => all<PacingRow>('SELECT * FROM sendbird_pacing ORDER BY endpoint'));
      return rows.map(toPacing);
    },
  } satisfies Partial<Store>;
  return part;
}
