/**
 * Version 2: the ledger, an append-only audit trail of every action taken on Salesforce or
 * Sendbird. Triggers refuse UPDATE and DELETE, so not even a stray script can rewrite history.
 * `ticket_id` references tickets (a ticket with a history cannot be deleted); `case_id` does not,
 * since Cases live in Salesforce.
 */
export default /* sql */ `
CREATE TABLE ledger (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  case_id    TEXT,
  ticket_id  TEXT REFERENCES tickets (id),
  system     TEXT NOT NULL CHECK (system IN ('salesforce', 'sendbird')),
  action     TEXT NOT NULL,
  target     TEXT,
  outcome    TEXT NOT NULL CHECK (outcome IN ('ok', 'exists', 'error')),
  detail     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
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
`;
