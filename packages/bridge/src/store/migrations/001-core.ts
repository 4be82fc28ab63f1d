/**
 * Version 1: tickets, idempotency keys and the durable job queue.
 *
 * Times are INTEGER epoch milliseconds (easy range scans for leases and retries); JSON columns are
 * TEXT checked with json_valid(). `idempotency_keys.ticket_id` has no foreign key on purpose: the
 * key is claimed before the ticket row exists, so that only the request that won the claim creates it.
 */
export default /* sql */ `
CREATE TABLE tickets (
  id                TEXT PRIMARY KEY,
  client_key        TEXT NOT NULL,
  state             TEXT NOT NULL CHECK (state IN ('received', 'user_ready', 'case_ready', 'channel_ready', 'completed', 'failed')),
  customer_user_id  TEXT NOT NULL,
  customer_nickname TEXT,
  case_fields       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(case_fields)),
  case_id           TEXT UNIQUE,
  case_number       TEXT,
  channel_url       TEXT,
  last_error        TEXT,
  attempts          INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX tickets_state_idx ON tickets (state, updated_at);
CREATE INDEX tickets_client_idx ON tickets (client_key, created_at);

CREATE TABLE idempotency_keys (
  scope           TEXT NOT NULL,
  key             TEXT NOT NULL,
  request_hash    TEXT NOT NULL,
  ticket_id       TEXT,
  response_status INTEGER,
  response_body   TEXT CHECK (response_body IS NULL OR json_valid(response_body)),
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

CREATE TABLE jobs (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT NOT NULL,
  payload       TEXT NOT NULL CHECK (json_valid(payload)),
  dedupe_key    TEXT,
  state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  max_attempts  INTEGER NOT NULL CHECK (max_attempts >= 1),
  run_at        INTEGER NOT NULL,
  locked_by     TEXT,
  locked_until  INTEGER,
  last_error    TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX jobs_dedupe_key_idx ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX jobs_runnable_idx ON jobs (state, run_at);
CREATE INDEX jobs_lease_idx ON jobs (state, locked_until);
`;
