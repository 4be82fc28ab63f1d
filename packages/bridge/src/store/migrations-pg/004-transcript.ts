/**
 * Version 4 (PostgreSQL): the transcript, as migrations/004-transcript.ts (one row per Sendbird
 * message: the latest news about it, and whether it still has to be written to Salesforce).
 * `deleted` stays an integer 0/1 as in SQLite, so the merge SQL is the same in both stores;
 * `version` is an edit's epoch ms, hence bigint.
 */
export default /* sql */ `
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
