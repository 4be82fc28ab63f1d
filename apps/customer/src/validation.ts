/**
 * The ticket form's rules, checked in the browser before anything is sent. The limits are the
 * bridge's (Salesforce's field lengths), counted with the bridge's own function (`utf16Length`:
 * UTF-16 code units, an emoji outside the Basic Multilingual Plane counts as 2), so a form that
 * passes here is not refused for length.
 */
import { doubleUnitCharacters, TICKET_FIELD_MAX_LENGTH, utf16Length, type TicketCaseFields } from '@sbsf/wire';

export interface TicketFormValues {
  name: string;
  email: string;
  subject: string;
  description: string;
}

export type FieldName = keyof TicketFormValues;
export type FieldErrors = Partial<Record<FieldName, string>>;

/** Form order: the first field with an error gets the focus. */
export const FIELD_ORDER: readonly FieldName[] = ['name', 'email', 'subject', 'description'];

export const FIELD_LABELS: Record<FieldName, string> = {
  name: 'Your name',
  email: 'Email',
  subject: 'Subject',
  description: 'How can we help?',
};

/** How a field is named inside a message ("A description is required."). */
const FIELD_IN_MESSAGE: Record<FieldName, string> = {
  name: 'Your name',
  email: 'Email',
  subject: 'Subject',
  description: 'A description',
};

export const FIELD_MAX_LENGTH: Record<FieldName, number> = {
  name: TICKET_FIELD_MAX_LENGTH.SuppliedName,
  email: TICKET_FIELD_MAX_LENGTH.SuppliedEmail,
  subject: TICKET_FIELD_MAX_LENGTH.Subject,
  description: TICKET_FIELD_MAX_LENGTH.Description,
};

// Deliberately loose: one @, no spaces, a dot in the domain. The mail server is the real judge.
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Fields with a live counter under them. */
export const COUNTED_FIELDS: ReadonlySet<FieldName> = new Set(['subject', 'description']);

export interface LengthCount {
  /** Length of the trimmed value (what is sent) as Salesforce and the bridge count it. */
  used: number;
  max: number;
  over: boolean;
  /** Characters that count as 2 (most emoji). */
  doubled: number;
  /** What the counter shows, e.g. `600 / 255 · 300 emoji or symbols count as 2 each`. */
  text: string;
}

export function lengthCount(field: FieldName, value: string): LengthCount {
  const v = value.trim();
  const used = utf16Length(v);
  const max = FIELD_MAX_LENGTH[field];
  const doubled = doubleUnitCharacters(v);
  const why = doubled === 0 ? '' : doubled === 1 ? ' · 1 emoji or symbol counts as 2' : ` · ${doubled} emoji or symbols count as 2 each`;
  return { used, max, over: used > max, doubled, text: `${used.toLocaleString('en-US')} / ${max.toLocaleString('en-US')}${why}` };
}

export function validateField(field: FieldName, value: string): string | undefined {
  const v = value.trim();
  if (!v) return `${FIELD_IN_MESSAGE[field]} is required.`;
  const count = lengthCount(field, v);
  if (count.over) {
    const emoji = count.doubled > 0 ? '; an emoji counts as 2' : '';
    return `${FIELD_IN_MESSAGE[field]} must be at most ${count.max} characters (now ${count.used}${emoji}).`;
  }
  if (field === 'email' && !EMAIL_RE.test(v)) return 'Enter an email address like name@example.com.';
  return undefined;
}

export function validateTicketForm(values: TicketFormValues): FieldErrors {
  const errors: FieldErrors = {};
  for (const f of FIELD_ORDER) {
    const e = validateField(f, values[f]);
    if (e) errors[f] = e;
  }
  return errors;
}

export function firstInvalid(errors: FieldErrors): FieldName | undefined {
  return FIELD_ORDER.find((f) => errors[f]);
}

/** The form field behind a field the bridge named in an error (`case.Subject`, `customer.email`). */
export function formFieldFor(bridgeField: string | undefined): FieldName | undefined {
  if (!bridgeField) return undefined;
  const map: Record<string, FieldName> = {
    'case.Subject': 'subject',
    'case.Description': 'description',
    'case.SuppliedName': 'name',
    'case.SuppliedEmail': 'email',
    'customer.nickname': 'name',
    'customer.email': 'email',
    Subject: 'subject',
    Description: 'description',
    SuppliedName: 'name',
    SuppliedEmail: 'email',
  };
  return map[bridgeField];
}

export function toCaseFields(v: TicketFormValues): TicketCaseFields {
  return { Subject: v.subject.trim(), Description: v.description.trim(), SuppliedName: v.name.trim(), SuppliedEmail: v.email.trim() };
}

/** Same submission = same trimmed values (then a retry reuses its Idempotency-Key). */
export function submissionFingerprint(v: TicketFormValues): string {
  return JSON.stringify(FIELD_ORDER.map((f) => v[f].trim()));
}
