/**
 * The `data` of a support channel (custom_type `sf_case`): a JSON object the bridge writes when it
 * creates the channel (tickets/service.ts) and whose status the lifecycle job keeps current
 * (lifecycle/service.ts); the agent panel's lists (the sandbox pane and the UIKit preview) read it.
 *
 *   {"caseId":"500…","caseNumber":"00001004","ticketId":"…",          (every channel)
 *    "subject":"Cannot log in","customerName":"Dana","customerId":"cust-dana",
 *    "status":"New","closed":false}                                     (channels made since)
 *
 * Channels made before the last five keys existed hold only the first three, and any channel's
 * data may have been edited by hand: `parseSupportChannelData` keeps what has the right type and
 * drops the rest, never throws.
 *
 * Sendbird documents no length limit for a channel's `data` (its create and update pages call it
 * a string "such as a long description of the channel or JSON formatted string"); the bridge
 * keeps it within CHANNEL_DATA_MAX_UNITS anyway (docs/salesforce-setup.md lists the check), by
 * cutting each field to its own limit and then the subject to the longest cut that fits.
 */
import { truncateText, utf16Length } from './text.js';

export interface SupportChannelData {
  /** The 18-character Case Id (also the channel URL). */
  caseId?: string;
  caseNumber?: string;
  /** The bridge's ticket id (the Case's Sendbird_Ticket_Id__c). */
  ticketId?: string;
  /** Case.Subject, cut to SUBJECT_MAX_UNITS (and shorter if the whole would not fit). */
  subject?: string;
  /** The customer's name as the ticket gave it (SuppliedName, else the Sendbird nickname). */
  customerName?: string;
  /** The customer's Sendbird user id: whoever else writes in the channel is an agent. */
  customerId?: string;
  /** Case.Status (the picklist value, e.g. "New", "Working", "Closed"). */
  status?: string;
  /** Case.IsClosed for that status. */
  closed?: boolean;
}

/** Our ceiling for the whole `data` string, in UTF-16 units (see above). */
export const CHANNEL_DATA_MAX_UNITS = 1024;
/** Case.Subject's own length (Salesforce: 255). */
export const SUBJECT_MAX_UNITS = 255;
/** Sendbird's nickname length; the customer name is shown where a nickname would be. */
export const CUSTOMER_NAME_MAX_UNITS = 80;
/** Case.Status is a picklist: its API names are at most 255, but the list shows a word or two. */
export const STATUS_MAX_UNITS = 80;

const STRING_KEYS = ['caseId', 'caseNumber', 'ticketId', 'subject', 'customerName', 'customerId', 'status'] as const;

/** The fields of a channel's `data`, from whatever it holds (a string, usually JSON); {} when none. */
export function parseSupportChannelData(data: unknown): SupportChannelData {
  if (typeof data !== 'string' || data === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return {};
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  const raw = v as Record<string, unknown>;
  const out: SupportChannelData = {};
  for (const key of STRING_KEYS) {
    const value = raw[key];
    if (typeof value === 'string' && value.trim() !== '') out[key] = value;
  }
  if (typeof raw.closed === 'boolean') out.closed = raw.closed;
  return out;
}

/**
 * The `data` string for these fields: empty ones left out, each cut to its limit on a character
 * boundary, then the subject cut further (with "…") until the JSON is within `maxUnits`. The ids
 * are never cut: they are short, and a cut id would name another record.
 */
export function encodeSupportChannelData(fields: SupportChannelData, maxUnits = CHANNEL_DATA_MAX_UNITS): string {
  const clean: SupportChannelData = {};
  for (const key of STRING_KEYS) {
    const value = fields[key]?.trim();
    if (!value) continue;
    const limit =
      key === 'subject' ? SUBJECT_MAX_UNITS : key === 'customerName' ? CUSTOMER_NAME_MAX_UNITS : key === 'status' ? STATUS_MAX_UNITS : 0;
    clean[key] = limit ? truncateText(value, limit, '…') : value;
  }
  if (typeof fields.closed === 'boolean') clean.closed = fields.closed;
  let json = JSON.stringify(clean);
  const subject = clean.subject;
  if (utf16Length(json) > maxUnits && subject) {
    // JSON escapes (quotes, backslashes, control characters) make the JSON longer than the
    // fields: find the longest cut of the subject that fits (a binary search over its length).
    const fits = (units: number): string | undefined => {
      const next = JSON.stringify({ ...clean, subject: truncateText(subject, units, '…') });
      return utf16Length(next) <= maxUnits ? next : undefined;
    };
    let lo = 0;
    let hi = utf16Length(subject) - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    const cut = lo > 1 ? fits(lo) : undefined;
    if (cut) json = cut;
    else {
      delete clean.subject;
      json = JSON.stringify(clean);
    }
  }
  if (utf16Length(json) > maxUnits)
    throw new Error(`[wire] channel data is ${utf16Length(json)} units even without a subject (max ${maxUnits})`);
  return json;
}

/**
 * `data` with a new status, keeping every other key as it is (unknown keys too: someone else may
 * have added them). Undefined when it already says so, i.e. there is nothing to write.
 */
export function withChannelStatus(data: string, status: string, closed: boolean): string | undefined {
  const current = parseSupportChannelData(data);
  const cut = truncateText(status.trim(), STATUS_MAX_UNITS, '…');
  if (current.status === cut && current.closed === closed) return undefined;
  let raw: Record<string, unknown> = {};
  try {
    const v: unknown = data ? JSON.parse(data) : {};
    if (v && typeof v === 'object' && !Array.isArray(v)) raw = v as Record<string, unknown>;
  } catch {
    // Not JSON (edited by hand): replaced by what we know.
  }
  const next = JSON.stringify({ ...raw, status: cut, closed });
  if (utf16Length(next) <= CHANNEL_DATA_MAX_UNITS) return next;
  // Over the ceiling (someone else's keys): keep our fields only.
  return encodeSupportChannelData({ ...current, status: cut, closed });
}
