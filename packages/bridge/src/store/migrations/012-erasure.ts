/**
 * Version 12: privacy erasure of a customer (erasure/).
 *
 * `erasures`, one row per customer erased (or being erased):
 * - `subject_hash`: SHA-256 of the customer identifier as given (`user:<id>` or `email:<address>`),
 *   unique, so a second request for the same customer finds the first and changes nothing;
 * - `subject`: the identifier itself while the erasure runs (a resumed erasure needs it), NULL
 *   once it is done;
 * - `plan`: what the erasure found (Case Ids, ticket ids, channel URLs; never names or texts);
 * - `steps`: the journal, one entry per step done (when, and what it removed), so a crash resumes
 *   at the first step not done and no step runs twice to any effect.
 *
 * The ledger stays append-only with one narrow exception: an entry may be rewritten once, into a
 * tombstone that keeps its id, time, system, action, outcome and Case Id and clears everything
 * that could hold personal data (ticket id, target, detail), marked with the erasure that did it
 * (`erased_by`). Any other UPDATE, and every DELETE, is still refused by the database. Entries
 * inserted with `erased_by` (an erasure's receipt) can never be changed at all.
 */
export const sqlite = /* sql */ `
CREATE TABLE erasures (
  id            TEXT PRIMARY KEY,
  subject_hash  TEXT NOT NULL,
  subject       TEXT,
  case_action   TEXT NOT NULL CHECK (case_action IN ('redact', 'delete')),
  requested_by  TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('running', 'done')),
  plan          TEXT CHECK (plan IS NULL OR json_valid(plan)),
  steps         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(steps)),
  last_error    TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  finished_at   INTEGER
);
CREATE UNIQUE INDEX erasures_subject_idx ON erasures (subject_hash);

ALTER TABLE ledger ADD COLUMN erased_by TEXT;
CREATE INDEX ledger_erased_idx ON ledger (erased_by) WHERE erased_by IS NOT NULL;
DROP TRIGGER ledger_no_update;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
WHEN NOT (
  OLD.erased_by IS NULL AND NEW.erased_by IS NOT NULL
  AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.system = OLD.system AND NEW.action = OLD.action
  AND NEW.outcome = OLD.outcome AND NEW.case_id IS OLD.case_id
  AND NEW.ticket_id IS NULL AND NEW.target IS NULL AND NEW.detail = '{}'
)
BEGIN
  SELECT RAISE(ABORT, 'ledger is append-only: rows cannot be updated (except once, into an erasure tombstone)');
END;
`;

/** Version 12 (PostgreSQL): as the SQLite text above; the one trigger function allows the tombstone update. */
export const postgres = /* sql */ `
CREATE TABLE erasures (
  id            text PRIMARY KEY,
  subject_hash  text NOT NULL,
  subject       text,
  case_action   text NOT NULL CHECK (case_action IN ('redact', 'delete')),
  requested_by  text NOT NULL,
  state         text NOT NULL CHECK (state IN ('running', 'done')),
  plan          json,
  steps         json NOT NULL DEFAULT '{}',
  last_error    text,
  created_at    bigint NOT NULL,
  updated_at    bigint NOT NULL,
  finished_at   bigint
);
CREATE UNIQUE INDEX erasures_subject_idx ON erasures (subject_hash);

ALTER TABLE ledger ADD COLUMN erased_by text;
CREATE INDEX ledger_erased_idx ON ledger (erased_by) WHERE erased_by IS NOT NULL;
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.erased_by IS NULL AND NEW.erased_by IS NOT NULL
      AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.system = OLD.system AND NEW.action = OLD.action
      AND NEW.outcome = OLD.outcome AND NEW.case_id IS NOT DISTINCT FROM OLD.case_id
      AND NEW.ticket_id IS NULL AND NEW.target IS NULL AND NEW.detail::text = '{}' THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger is append-only: rows cannot be updated (except once, into an erasure tombstone)';
  END IF;
  RAISE EXCEPTION 'ledger is append-only: rows cannot be %', CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'truncated' END;
END
$$;
`;
