/**
 * Version 6 (the SQLite twin: ../migrations/006-fewer-pages-per-ticket.ts). The two index changes
 * carry over: `case_id` unique through a partial index without NULLs (a new ticket has no Case
 * to index), and `tickets_state_idx` replaced by `tickets_open_idx` over the tickets that are not
 * `completed`, which stays small however many tickets are kept. The SQLite-only parts do not:
 * identity columns have no per-commit counter page like AUTOINCREMENT's, and a PostgreSQL table
 * is always a heap beside its primary key (WITHOUT ROWID has no equivalent to move to).
 */
export default /* sql */ `
ALTER TABLE tickets DROP CONSTRAINT tickets_case_id_key;
CREATE UNIQUE INDEX tickets_case_idx ON tickets (case_id) WHERE case_id IS NOT NULL;
DROP INDEX tickets_state_idx;
CREATE INDEX tickets_open_idx ON tickets (state, updated_at) WHERE state <> 'completed';
`;
