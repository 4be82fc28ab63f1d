/**
 * Version 10: how far the membership sweep has read (membership/service.ts, "The sweep").
 *
 * `sweep_marks`, one row per sweep (`membership`):
 * - `changed_since`: the newest `SystemModstamp` (epoch ms) the sweep has read from Salesforce;
 *   the next sweep that reads only what changed asks for Cases saved since then (less an
 *   overlap). Salesforce's own stamps, so the bridge's clock does not matter.
 * - `full_at`: when the last sweep that read every open chat Case finished (the bridge's clock);
 *   the next full sweep is due `SWEEP_FULL_INTERVAL_MS` after it.
 */
export const sqlite = /* sql */ `
CREATE TABLE sweep_marks (
  name           TEXT PRIMARY KEY,
  changed_since  INTEGER,
  full_at        INTEGER,
  updated_at     INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Version 10 (PostgreSQL): how far the membership sweep has read, as the SQLite text above. */
export const postgres = /* sql */ `
CREATE TABLE sweep_marks (
  name           text PRIMARY KEY,
  changed_since  bigint,
  full_at        bigint,
  updated_at     bigint NOT NULL
);
`;
