/**
 * Version 14: the satisfaction survey of a closed Case, and the customer ending the chat (csat/).
 *
 * `csat_surveys`, one row per Case (a Case is asked once, at its first close):
 * - `id`: the survey id the chat's notices carry (`csat.request`, `csat.answered`, `csat.expired`);
 * - `state`: `open` (asked, waiting), `answered` or `expired`; it moves from `open` once, never back;
 * - `request_posted`: the survey's message is in the channel (its `dedup_id` makes a repeat harmless);
 * - `rating` (1 to 5) and `comment` once answered; `expires_at` when an unanswered one expires.
 *
 * `chat_ends`, one row per Case the customer ended the chat of: what the setting said to do then
 * (`close` the Case or `mark` it) and when, so the job that acts on it writes the same values on
 * every try.
 */
export const sqlite = /* sql */ `
CREATE TABLE csat_surveys (
  case_id           TEXT PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  customer_user_id  TEXT,
  state             TEXT NOT NULL CHECK (state IN ('open', 'answered', 'expired')),
  request_posted    INTEGER NOT NULL DEFAULT 0,
  asked_at          INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  rating            INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
  comment           TEXT,
  answered_at       INTEGER,
  expired_at        INTEGER,
  updated_at        INTEGER NOT NULL,
  CHECK ((state = 'answered') = (rating IS NOT NULL))
);
CREATE INDEX csat_surveys_due_idx ON csat_surveys (expires_at) WHERE state = 'open';

CREATE TABLE chat_ends (
  case_id           TEXT PRIMARY KEY,
  customer_user_id  TEXT NOT NULL,
  action            TEXT NOT NULL CHECK (action IN ('close', 'mark')),
  requested_at      INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Version 14 (PostgreSQL): as the SQLite text above. */
export const postgres = /* sql */ `
CREATE TABLE csat_surveys (
  case_id           text PRIMARY KEY,
  id                text NOT NULL UNIQUE,
  customer_user_id  text,
  state             text NOT NULL CHECK (state IN ('open', 'answered', 'expired')),
  request_posted    integer NOT NULL DEFAULT 0,
  asked_at          bigint NOT NULL,
  expires_at        bigint NOT NULL,
  rating            integer CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
  comment           text,
  answered_at       bigint,
  expired_at        bigint,
  updated_at        bigint NOT NULL,
  CHECK ((state = 'answered') = (rating IS NOT NULL))
);
CREATE INDEX csat_surveys_due_idx ON csat_surveys (expires_at) WHERE state = 'open';

CREATE TABLE chat_ends (
  case_id           text PRIMARY KEY,
  customer_user_id  text NOT NULL,
  action            text NOT NULL CHECK (action IN ('close', 'mark')),
  requested_at      bigint NOT NULL
);
`;
