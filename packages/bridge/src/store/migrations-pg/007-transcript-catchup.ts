/**
 * Version 7 (PostgreSQL): transcript catch-up, as migrations/007-transcript-catchup.ts (one row
 * per support channel: how far catch-up has read its history, whether the Case is open, when it
 * is due and who holds its lease). Times are bigint epoch ms.
 */
export default /* sql */ `
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
