/**
 * Version 7: transcript catch-up (transcript/catchup.ts). One row per support channel (= Case):
 *
 * - `checked_id` / `checked_at`: the newest message catch-up has read in order, and its
 *   `created_at`: every message of the channel up to it is in `transcript_messages` (or was
 *   skipped by the webhook rules). The next catch-up reads the channel's history after it.
 *   Without a `checked_id`, the read starts at `checked_at` (a ticket's channel: its creation).
 * - `open`: the Case is open; a closed Case's channel is read once more, then no longer.
 * - `next_catchup_at`: when it is due (null: never again, a closed Case); `due_reason` says why
 *   (start, schedule, late_webhook, new, closing); `due_again`: made due while leased, so it is due
 *   again at once when the lease is given back.
 * - `leased_by` / `lease_until`: one process reads a channel at a time.
 *
 * Channels of tickets that exist already start at the time of this migration: history from
 * before it is not read again (a CaseComment transcript would get duplicates of purged messages).
 */
export const sqlite = /* sql */ `
CREATE TABLE transcript_channels (
  channel_url      TEXT PRIMARY KEY,
  case_id          TEXT NOT NULL,
  open             INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
  checked_id       TEXT,
  checked_at       INTEGER NOT NULL DEFAULT 0,
  next_catchup_at  INTEGER,
  due_reason       TEXT,
  due_again        INTEGER NOT NULL DEFAULT 0 CHECK (due_again IN (0, 1)),
  leased_by        TEXT,
  lease_until      INTEGER,
  last_catchup_at  INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX transcript_channels_due_idx ON transcript_channels (next_catchup_at) WHERE next_catchup_at IS NOT NULL;
CREATE INDEX transcript_channels_case_idx ON transcript_channels (case_id);
INSERT INTO transcript_channels (channel_url, case_id, open, checked_at, next_catchup_at, due_reason, created_at, updated_at)
  SELECT channel_url, COALESCE(case_id, channel_url), 1, CAST(strftime('%s', 'now') AS INTEGER) * 1000, NULL, NULL,
         CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000
  FROM tickets WHERE channel_url IS NOT NULL;
`;

/**
 * Version 7 (PostgreSQL): transcript catch-up, as the SQLite text above (one row
 * per support channel: how far catch-up has read its history, whether the Case is open, when it
 * is due and who holds its lease). Times are bigint epoch ms.
 */
export const postgres = /* sql */ `
CREATE TABLE transcript_channels (
  channel_url      text PRIMARY KEY,
  case_id          text NOT NULL,
  open             integer NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
  checked_id       text,
  checked_at       bigint NOT NULL DEFAULT 0,
  next_catchup_at  bigint,
  due_reason       text,
  due_again        integer NOT NULL DEFAULT 0 CHECK (due_again IN (0, 1)),
  leased_by        text,
  lease_until      bigint,
  last_catchup_at  bigint,
  created_at       bigint NOT NULL,
  updated_at       bigint NOT NULL
);
CREATE INDEX transcript_channels_due_idx ON transcript_channels (next_catchup_at) WHERE next_catchup_at IS NOT NULL;
CREATE INDEX transcript_channels_case_idx ON transcript_channels (case_id);
INSERT INTO transcript_channels (channel_url, case_id, open, checked_at, next_catchup_at, due_reason, created_at, updated_at)
  SELECT channel_url, COALESCE(case_id, channel_url), 1, (extract(epoch from now()) * 1000)::bigint, NULL, NULL,
         (extract(epoch from now()) * 1000)::bigint, (extract(epoch from now()) * 1000)::bigint
  FROM tickets WHERE channel_url IS NOT NULL;
`;
