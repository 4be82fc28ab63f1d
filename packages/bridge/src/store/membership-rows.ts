/** The `membership_cases` row (migrations 008) as both stores read it. */
import type { AppliedMembershipRead } from './types.js';

export interface MembershipCaseRow {
  case_id: string;
  applied_version: number | null;
  applied_owner: string | null;
  applied_at: number | null;
  locked_by: string | null;
  locked_until: number | null;
  /** 0/1 in SQLite, boolean in PostgreSQL. */
  wanted: number | boolean;
  updated_at: number;
}

/** The read applied last, or null when none was. */
export function appliedRead(row: MembershipCaseRow): AppliedMembershipRead | null {
  return row.applied_at === null ? null : { version: row.applied_version, ownerId: row.applied_owner };
}
