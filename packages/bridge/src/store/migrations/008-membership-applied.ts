/**
 * Version 8: membership applies ordered per Case across instances (membership/reconciler.ts).
 *
 * `membership_cases`, one row per Case a reconcile has acted on:
 * - `applied_version`, `applied_owner`: the Salesforce read applied last (the Case's
 *   `SystemModstamp` in epoch ms, and the owner it found). A reconcile whose read is older is
 *   not applied: it reads the Case again first.
 * - `locked_by`, `locked_until`: the one reconcile applying this Case now (a lease: a holder that
 *   died lets go when it runs out), so the Sendbird calls of two reconciles never interleave.
 * - `wanted`: a reconcile found the Case leased and handed its work to the holder, which reads
 *   the Case again and applies that before it lets go.
 */
export const sqlite = /* sql */ `
CREATE TABLE membership_cases (
  case_id          TEXT PRIMARY KEY,
  applied_version  INTEGER,
  applied_owner    TEXT,
  applied_at       INTEGER,
  locked_by        TEXT,
  locked_until     INTEGER,
  wanted           INTEGER NOT NULL DEFAULT 0 CHECK (wanted IN (0, 1)),
  updated_at       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX membership_cases_updated_idx ON membership_cases (updated_at);
`;

/**
 * Version 8 (PostgreSQL): membership applies ordered per Case across instances, as
 * the SQLite text above (the read applied last, the apply lease, the hand-over flag).
 */
export const postgres = /* sql */ `
CREATE TABLE membership_cases (
  case_id          text PRIMARY KEY,
  applied_version  bigint,
  applied_owner    text,
  applied_at       bigint,
  locked_by        text,
  locked_until     bigint,
  wanted           boolean NOT NULL DEFAULT false,
  updated_at       bigint NOT NULL
);
CREATE INDEX membership_cases_updated_idx ON membership_cases (updated_at);
`;
