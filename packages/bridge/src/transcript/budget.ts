/**
 * The Salesforce API budget: every REST answer carries `Sforce-Limit-Info: api-usage=N/M` (the
 * requests used in the last 24 hours and the org's allowance; REST API Developer Guide, "Limit
 * Info Header"). When the share left falls under SALESFORCE_BUDGET_RESERVE, mirroring slows down
 * so that what is left goes to ticket creation and membership sync. A pure function of the last
 * header seen, by any feature's call.
 */
import type { LimitInfo } from '@sbsf/salesforce';

export interface Budget {
  /** `low` once the share left is under the reserve; `normal` otherwise, and before any call. */
  mode: 'normal' | 'low';
  /** The share of the daily allowance left (0..1), or null when unknown. */
  remaining: number | null;
}

export function budgetOf(limit: LimitInfo | undefined, reserve: number): Budget {
  if (!limit || !(limit.limit > 0)) return { mode: 'normal', remaining: null };
  const remaining = Math.max(0, (limit.limit - limit.used) / limit.limit);
  return { mode: remaining < reserve ? 'low' : 'normal', remaining };
}
