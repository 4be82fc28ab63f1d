/**
 * Version 9: the Change Data Capture subscription (membership/cdc-subscriber.ts).
 *
 * `case_change_subscriptions`, one row per change-event channel the bridge follows:
 * - `replay_id`: the replay id (lowercase hex) of the last event whose Cases were queued for a
 *   reconcile, written in the same transaction as those jobs; NULL before the first one, or after
 *   Salesforce no longer had it (the sweep covered that gap).
 * - `holder`, `lease_until`: the one instance subscribed now (a lease: an instance that died lets
 *   go when it runs out, and another resumes from `replay_id`). A write whose holder no longer
 *   holds the lease changes nothing.
 */
export const sqlite = /* sql */ `
CREATE TABLE case_change_subscriptions (
  topic        TEXT PRIMARY KEY,
  replay_id    TEXT,
  replay_at    INTEGER,
  holder       TEXT,
  lease_until  INTEGER,
  updated_at   INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Version 9 (PostgreSQL): the Change Data Capture subscription, as the SQLite text above. */
export const postgres = /* sql */ `
CREATE TABLE case_change_subscriptions (
  topic        text PRIMARY KEY,
  replay_id    text,
  replay_at    bigint,
  holder       text,
  lease_until  bigint,
  updated_at   bigint NOT NULL
);
`;
