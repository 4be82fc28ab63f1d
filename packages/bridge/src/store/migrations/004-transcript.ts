/**
 * Version 4: the transcript (Sendbird webhooks -> Salesforce).
 *
 * `transcript_messages`: one row per Sendbird message, keyed by its `message_id`, holding the
 * message as the latest webhook described it and whether it still has to be written:
 * - a redelivered webhook changes nothing (the row is the duplicate check);
 * - an edit or a delete arriving before the row was written merges into it (the last state wins),
 *   so a message sent, edited and deleted within one flush is ONE record write;
 * - `version` orders the text (0 = as sent, `updated_at` of an edit, -1 = none yet), `deleted` is
 *   sticky, so webhooks arriving out of order still converge;
 * - `rev` counts changes: a write settles only the revision it sent;
 * - `leased_by` / `lease_until` hand a batch to one flusher at a time (a crashed one's lease runs
 *   out); `next_attempt_at` is a failed write's backoff.
 * Written rows are kept TRANSCRIPT_RETENTION_DAYS for the duplicate check, then purged.
 * Booleans are INTEGER 0/1 and times INTEGER epoch ms, as elsewhere, so the SQL stays portable.
 */
export const sqlite = /* sql */ `
CREATE TABLE transcript_messages (
  message_id       TEXT PRIMARY KEY,
  case_id          TEXT NOT NULL,
  channel_url      TEXT NOT NULL,
  version          INTEGER NOT NULL,
  message          TEXT CHECK (message IS NULL OR json_valid(message)),
  deleted          INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
  state            TEXT NOT NULL CHECK (state IN ('pending', 'synced', 'dead')),
  rev              INTEGER NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  received_at      INTEGER NOT NULL,
  pending_since    INTEGER NOT NULL,
  next_attempt_at  INTEGER NOT NULL DEFAULT 0,
  leased_by        TEXT,
  lease_until      INTEGER,
  salesforce_id    TEXT,
  last_error       TEXT,
  synced_at        INTEGER,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX transcript_messages_state_idx ON transcript_messages (state, pending_since);
CREATE INDEX transcript_messages_synced_idx ON transcript_messages (state, synced_at);
CREATE INDEX transcript_messages_case_idx ON transcript_messages (case_id, received_at);
`;

/**
 * Version 4 (PostgreSQL): the transcript, as the SQLite text above (one row per Sendbird
 * message: the latest news about it, and whether it still has to be written to Salesforce).
 * `deleted` stays an integer 0/1 as in SQLite, so the merge SQL is the same in both stores;
 * `version` is an edit's epoch ms, hence bigint.
 */
export const postgres = /* sql */ `
CREATE TABLE transcript_messages (
  message_id       text PRIMARY KEY,
  case_id          text NOT NULL,
  channel_url      text NOT NULL,
  version          bigint NOT NULL,
  message          json,
  deleted          integer NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
  state            text NOT NULL CHECK (state IN ('pending', 'synced', 'dead')),
  rev              integer NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  received_at      bigint NOT NULL,
  pending_since    bigint NOT NULL,
  next_attempt_at  bigint NOT NULL DEFAULT 0,
  leased_by        text,
  lease_until      bigint,
  salesforce_id    text,
  last_error       text,
  synced_at        bigint,
  updated_at       bigint NOT NULL
);
CREATE INDEX transcript_messages_state_idx ON transcript_messages (state, pending_since);
CREATE INDEX transcript_messages_synced_idx ON transcript_messages (state, synced_at);
CREATE INDEX transcript_messages_case_idx ON transcript_messages (case_id, received_at);
`;
