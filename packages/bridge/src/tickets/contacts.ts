/**
 * Contact matching: which Salesforce Contact (and Account) a ticket's Case belongs to.
 *
 * Only what the customer's authentication proved may match (CustomerVerification): the JWT's
 * `email` unless `email_verified` is false (CONTACT_MATCH=email), or the proven Sendbird user id
 * in the Contact's External Id field CONTACT_MATCH_FIELD (CONTACT_MATCH=external_id). A guest
 * never matches and never creates, and a ticket whose request named a ContactId or AccountId is
 * left as the request made it.
 *
 * What this module decides for the ticket flow (service.ts), in the Case upsert's one composite
 * call: a remembered Contact goes into the upsert's body (no query); otherwise the Contact query
 * runs in the same call and its answer is handed to the `contact.link` job, queued with the
 * ticket's next write. The job (contact-link.ts) links, creates or records the ambiguity.
 */
import { DEFAULTS, type ContactsConfig } from '../config.js';
import type { CustomerContact, Ticket } from '../store/types.js';
import { truncateText } from '@sbsf/wire';
import { emailProblem } from './email.js';

export const CONTACT_JOB = 'contact.link';
/** CONTACT_MATCH_FIELD's default: the SFDX project's External Id field on Contact. */
export const DEFAULT_CONTACT_MATCH_FIELD: string = DEFAULTS.CONTACT_MATCH_FIELD;
/**
 * The standard Contact fields the bridge writes when it creates a Contact (besides
 * CONTACT_MATCH_FIELD). A Person Account's (FirstName, LastName, PersonEmail, RecordTypeId) exist
 * only in an org with Person Accounts, so their permissions are granted there (docs/salesforce-setup.md).
 */
export const CONTACT_CREATE_FIELDS = ['FirstName', 'LastName', 'Email'] as const;
/** Contact.Email's length: a longer address can be on no Contact. */
const CONTACT_EMAIL_MAX = 80;
export const contactJobKey = (ticketId: string) => `contact:${ticketId}`;

/** What identifies the customer's Contact, from what their authentication proved. */
export interface ContactKey {
  by: 'email' | 'external_id';
  /** The verified address, or the Sendbird user id. */
  value: string;
}

/** A Contact as the match query reads it. */
export interface FoundContact {
  Id: string;
  AccountId: string | null;
  Email: string | null;
}

/** The `contact.link` job's payload. */
export interface ContactJobPayload {
  ticketId: string;
  caseId: string;
  /** What the query in the Case upsert's call found (at most 2); absent if it did not run. */
  found?: FoundContact[];
}

/** What the Case upsert does about the Contact. */
export interface ContactPlan {
  /** The customer's remembered Contact: its Ids go into the upsert's body. */
  remembered?: CustomerContact;
  /** Nothing usable remembered: this query runs in the upsert's composite call. */
  query?: string;
}

/** The Contact key of a ticket, or null when the ticket must not be matched. */
export function contactKey(cfg: ContactsConfig, t: Ticket): ContactKey | null {
  if (cfg.match === 'off') return null;
  const verified = t.customerVerified;
  if (!verified || verified.via === 'guest') return null;
  // The request linked the Case itself (the tutorial's allow-list has ContactId and AccountId).
  if (t.caseFields.ContactId || t.caseFields.AccountId) return null;
  if (cfg.match === 'external_id') return { by: 'external_id', value: t.customerUserId };
  // Salesforce's rules for an address: one it would refuse can match nothing.
  if (!verified.email || verified.email.length > CONTACT_EMAIL_MAX || emailProblem(verified.email) !== null) return null;
  return { by: 'email', value: verified.email };
}

/** A SOQL string literal: backslash and quote escaped (SOQL and SOSL Reference, "Quoted String Escape Sequences"). */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

/** At most two Contacts with the key: one is a match, two are ambiguous (no more are needed to tell). */
export function contactQuery(cfg: ContactsConfig, key: ContactKey): string {
  const field = key.by === 'email' ? 'Email' : cfg.field;
  return `SELECT Id, AccountId, Email FROM Contact WHERE ${field} = ${soqlString(key.value)} LIMIT 2`;
}

/** The person contacts of Person Accounts and the Contacts among some record Ids (a duplicate rule's matches). */
export function contactsByIdQuery(ids: readonly string[]): string {
  const contacts = ids.filter((id) => id.startsWith('003'));
  const accounts = ids.filter((id) => id.startsWith('001'));
  const list = (xs: readonly string[]) => xs.map(soqlString).join(', ');
  const terms = [
    ...(contacts.length ? [`Id IN (${list(contacts)})`] : []),
    ...(accounts.length ? [`(AccountId IN (${list(accounts)}) AND IsPersonAccount = true)`] : []),
  ];
  return `SELECT Id, AccountId, Email FROM Contact WHERE ${terms.join(' OR ')}`;
}

/** The records a query answered, as FoundContacts. */
export function foundContacts(body: unknown): FoundContact[] {
  const records = (body as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) return [];
  return records
    .map((r) => r as Record<string, unknown>)
    .filter((r) => typeof r.Id === 'string')
    .map((r) => ({
      Id: r.Id as string,
      AccountId: typeof r.AccountId === 'string' ? r.AccountId : null,
      Email: typeof r.Email === 'string' ? r.Email : null,
    }));
}

/** A remembered Contact still to be used: matched within CONTACT_MATCH_REFRESH_DAYS. */
export function usable(cfg: ContactsConfig, c: CustomerContact | null, now: number): CustomerContact | undefined {
  return c && now - c.matchedAt < cfg.refreshMs ? c : undefined;
}

/** The Case fields that link it to a Contact (and its Account, when it has one). */
export function linkFields(c: { contactId: string; accountId: string | null }): Record<string, string> {
  return { ContactId: c.contactId, ...(c.accountId ? { AccountId: c.accountId } : {}) };
}

/** Salesforce's answers for a lookup to a record that is gone (deleted, or merged into another). */
const STALE_CODES = new Set(['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY']);

/** Whether an error code says a referenced record is gone (deleted, or merged into another). */
export const isStaleCode = (code: string): boolean => STALE_CODES.has(code);

/** Whether a subrequest's error body says a referenced record is gone. */
export function isStaleReference(body: unknown): boolean {
  return Array.isArray(body) && body.some((e) => isStaleCode(String((e as { errorCode?: unknown }).errorCode)));
}

/** First and last name for a new Contact, from the name the customer gave (LastName is required). */
export function personName(name: string, fallback: string): { FirstName?: string; LastName: string } {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { LastName: truncateText(fallback, 80) };
  if (words.length === 1) return { LastName: truncateText(words[0]!, 80) };
  return { FirstName: truncateText(words.slice(0, -1).join(' '), 40), LastName: truncateText(words.at(-1)!, 80) };
}
