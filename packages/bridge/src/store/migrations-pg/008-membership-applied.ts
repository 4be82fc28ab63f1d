/**
 * Version 8 (PostgreSQL): membership applies ordered per Case across instances, as
 * migrations/008-membership-applied.ts (the read applied last, the apply lease, the hand-over flag).
 */
export default /* sql */ `
CREATE TABLE membership_cases (
  case_id          text PRIMARY KEY,
  applied_version  bigint,
  applied_owner    text,
  applied_at       bigint,
  locked_by        text,
  locked_until     bigint,
  wanted           boolean NOT NULL DEFAULT false,
  updated_at       bigint NOT NULL
);
CREATE INDEX membership_cases_updated_idx ON membership_cases (updated_at);
`;
