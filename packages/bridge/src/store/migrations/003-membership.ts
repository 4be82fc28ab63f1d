/**
 * Version 3: membership sync.
 *
 * - `salesforce_events`: every event Salesforce posted to `/salesforce/events`, stored before the
 *   202 answer, so nothing acknowledged is lost. Events are hints (the reconcile reads the truth
 *   from Salesforce); the table is the audit trail of what arrived, purged after a retention period.
 * - `membership_pending`: Cases waiting for a reconcile, each pointing at the queued job that will
 *   do it. A new event for a Case that is already pending joins that job instead of queueing
 *   another (10 events for one Case = one reconcile); a job forgets its rows when it starts, so an
 *   event arriving after the job read Salesforce queues a fresh reconcile. No foreign key to
 *   `jobs`: a row whose job is no longer queued is simply stale and replaced.
 */
export default /* sql */ `
CREATE TABLE salesforce_events (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at  INTEGER NOT NULL,
  type         TEXT NOT NULL,
  case_id      TEXT NOT NULL,
  occurred_at  TEXT,
  payload      TEXT NOT NULL CHECK (json_valid(payload))
);
CREATE INDEX salesforce_events_case_idx ON salesforce_events (case_id, id);
CREATE INDEX salesforce_events_received_idx ON salesforce_events (received_at);

CREATE TABLE membership_pending (
  case_id       TEXT PRIMARY KEY,
  job_id        INTEGER NOT NULL,
  requested_at  INTEGER NOT NULL
);
CREATE INDEX membership_pending_job_idx ON membership_pending (job_id);
`;
