/**
 * Version 13: contact matching on ticket creation (tickets/contacts.ts).
 *
 * `customer_contacts`, one row per customer (Sendbird user id) the bridge has matched to a
 * Salesforce Contact, or is creating one for:
 * - `contact_id`, `account_id`: the Contact and its Account (a Person Account's Id for a person
 *   contact); NULL while a creation is claimed and not finished;
 * - `matched_by`: how (`email`, `external_id`, `created_contact`, `created_person_account`,
 *   `duplicate_rule`), `matched_at`: when;
 * - `claimed_by`, `claim_until`: the ticket whose job is creating the customer's Contact, and until
 *   when that claim holds (a job that died leaves it to run out), so two tickets of one new customer
 *   never create two Contacts.
 *
 * `tickets.customer_verified`: what the customer's authentication proved (`{via, email?}`), kept
 * with the ticket so a run resumed by a job or another instance matches as the request would have.
 */
export const sqlite = /* sql */ `
CREATE TABLE customer_contacts (
  user_id      TEXT PRIMARY KEY,
  contact_id   TEXT,
  account_id   TEXT,
  matched_by   TEXT,
  matched_at   INTEGER,
  claimed_by   TEXT,
  claim_until  INTEGER,
  updated_at   INTEGER NOT NULL
) WITHOUT ROWID;

ALTER TABLE tickets ADD COLUMN customer_verified TEXT CHECK (customer_verified IS NULL OR json_valid(customer_verified));
`;

/** Version 13 (PostgreSQL): as the SQLite text above. */
export const postgres = /* sql */ `
CREATE TABLE customer_contacts (
  user_id      text PRIMARY KEY,
  contact_id   text,
  account_id   text,
  matched_by   text,
  matched_at   bigint,
  claimed_by   text,
  claim_until  bigint,
  updated_at   bigint NOT NULL
);

ALTER TABLE tickets ADD COLUMN customer_verified json;
`;
