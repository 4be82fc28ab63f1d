/**
 * Version 11: the slots of Sendbird's rate-capped endpoints, shared by the instances that call one
 * Sendbird application (pacing/store.ts; `SENDBIRD_SHARED_PACING`).
 *
 * `sendbird_pacing`, one row per capped endpoint (`METHOD route`, as the client writes the route):
 * - `next_at`: the earliest time (epoch ms) the next slot may go: one interval after the slot
 *   booked last, or the end of a 429 pause. Each booking moves it on by one interval.
 * - `booked`: slots booked so far, by every instance (for operators and tests).
 * - `paused_until`: the end of the latest 429 pause an instance reported, if any.
 */
export const sqlite = /* sql */ `
CREATE TABLE sendbird_pacing (
  endpoint      TEXT PRIMARY KEY,
  next_at       INTEGER NOT NULL,
  booked        INTEGER NOT NULL,
  paused_until  INTEGER,
  updated_at    INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Version 11 (PostgreSQL): the shared slots of Sendbird's capped endpoints, as the SQLite text above. */
export const postgres = /* sql */ `
CREATE TABLE sendbird_pacing (
  endpoint      text PRIMARY KEY,
  next_at       bigint NOT NULL,
  booked        bigint NOT NULL,
  paused_until  bigint,
  updated_at    bigint NOT NULL
);
`;
