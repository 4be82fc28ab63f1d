/**
 * Version 6: fewer pages written per ticket (docs/performance.md, "Tickets"). Each commit writes
 * every page it changed to the WAL, one frame each, and a ticket's two commits touched about 18.
 * Same columns, same constraints, same data; only how they are stored changes:
 *
 * - `tickets.case_id` unique through a partial index that leaves out NULL: a new ticket (no Case
 *   yet) no longer writes an index entry that its finish then deletes again.
 * - `tickets_state_idx` (state, updated_at) becomes `tickets_open_idx`, which holds only tickets
 *   that are not `completed` (what the sweep and an operator look for): a finished ticket leaves
 *   the index instead of moving to a far end of it.
 * - `ledger` without AUTOINCREMENT: an append-only table never reuses a rowid anyway, and
 *   AUTOINCREMENT wrote the `sqlite_sequence` page on every commit that added an entry.
 * - `idempotency_keys` WITHOUT ROWID: its primary key (scope, key) is the table itself, not a
 *   second b-tree beside it.
 *
 * SQLite changes a table's constraints only by rebuilding it (https://www.sqlite.org/lang_altertable.html,
 * "Making Other Kinds Of Table Schema Changes"): new table, copy, drop, rename, with foreign key
 * enforcement off while the tables are swapped and checked before the commit (the runner does
 * both for a migration marked `foreignKeysOff`). Ids and rows are copied as they are.
 */
export const sqlite = /* sql */ `
CREATE TABLE tickets_v6 (
  id                TEXT PRIMARY KEY,
  client_key        TEXT NOT NULL,
  state             TEXT NOT NULL CHECK (state IN ('received', 'user_ready', 'case_ready', 'channel_ready', 'completed', 'failed')),
  customer_user_id  TEXT NOT NULL,
  customer_nickname TEXT,
  case_fields       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(case_fields)),
  case_id           TEXT,
  case_number       TEXT,
  channel_url       TEXT,
  last_error        TEXT,
  attempts          INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
INSERT INTO tickets_v6 (id, client_key, state, customer_user_id, customer_nickname, case_fields, case_id, case_number, channel_url, last_error, attempts, created_at, updated_at)
  SELECT id, client_key, state, customer_user_id, customer_nickname, case_fields, case_id, case_number, channel_url, last_error, attempts, created_at, updated_at
  FROM tickets ORDER BY rowid;
DROP TABLE tickets;
ALTER TABLE tickets_v6 RENAME TO tickets;
CREATE UNIQUE INDEX tickets_case_idx ON tickets (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX tickets_open_idx ON tickets (state, updated_at) WHERE state <> 'completed';

CREATE TABLE ledger_v6 (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  case_id    TEXT,
  ticket_id  TEXT REFERENCES tickets (id),
  system     TEXT NOT NULL CHECK (system IN ('salesforce', 'sendbird')),
  action     TEXT NOT NULL,
  target     TEXT,
  outcome    TEXT NOT NULL CHECK (outcome IN ('ok', 'exists', 'error')),
  detail     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
INSERT INTO ledger_v6 (id, at, case_id, ticket_id, system, action, target, outcome, detail)
  SELECT id, at, case_id, ticket_id, system, action, target, outcome, detail FROM ledger ORDER BY id;
DROP TABLE ledger;
ALTER TABLE ledger_v6 RENAME TO ledger;
CREATE INDEX ledger_case_idx ON ledger (case_id, id);
CREATE INDEX ledger_ticket_idx ON ledger (ticket_id, id);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
  SELECT RAISE(ABORT, 'ledger is append-only: rows cannot be updated');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
  SELECT RAISE(ABORT, 'ledger is append-only: rows cannot be deleted');
END;

CREATE TABLE idempotency_keys_v6 (
  scope           TEXT NOT NULL,
  key             TEXT NOT NULL,
  request_hash    TEXT NOT NULL,
  ticket_id       TEXT,
  response_status INTEGER,
  response_body   TEXT CHECK (response_body IS NULL OR json_valid(response_body)),
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
INSERT INTO idempotency_keys_v6 SELECT scope, key, request_hash, ticket_id, response_status, response_body, created_at, expires_at FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_v6 RENAME TO idempotency_keys;
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
`;

/**
 * Version 6 (PostgreSQL). The two index changes
 * carry over: `case_id` unique through a partial index without NULLs (a new ticket has no Case
 * to index), and `tickets_state_idx` replaced by `tickets_open_idx` over the tickets that are not
 * `completed`, which stays small however many tickets are kept. The SQLite-only parts do not:
 * identity columns have no per-commit counter page like AUTOINCREMENT's, and a PostgreSQL table
 * is always a heap beside its primary key (WITHOUT ROWID has no equivalent to move to).
 */
export const postgres = /* sql */ `
ALTER TABLE tickets DROP CONSTRAINT tickets_case_id_key;
CREATE UNIQUE INDEX tickets_case_idx ON tickets (case_id) WHERE case_id IS NOT NULL;
DROP INDEX tickets_state_idx;
CREATE INDEX tickets_open_idx ON tickets (state, updated_at) WHERE state <> 'completed';
`;
