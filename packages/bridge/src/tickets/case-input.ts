/**
 * The Case fields of a ticket checked by Salesforce's own rules BEFORE anything happens: no
 * Idempotency-Key claimed, no Sendbird user, no Case. A refusal is a 400 `invalid_field` that
 * names every bad field and says what to fix; nothing is written anywhere, so the same
 * Idempotency-Key with the corrected body then opens the ticket.
 *
 * The rules, per field (both `POST /tickets` and `POST /createticket`):
 * - Subject, Description, SuppliedName, SuppliedEmail: present, a string, not null, not blank;
 * - lengths as Salesforce counts them, in UTF-16 code units (an emoji outside the Basic
 *   Multilingual Plane is 2), against the Case field lengths (case-fields.ts);
 * - no unpaired surrogate (text without a UTF-8 form);
 * - SuppliedEmail: email syntax as Salesforce accepts it (email.ts);
 * - ContactId, AccountId, AssetId: a 15- or 18-character Id of the right object (checksum and
 *   letter case checked), sent on as its 18-character form;
 * - Type, Reason, Origin, Priority, Status: a value of the org's picklist (case-describe.ts),
 *   checked after the customer is authenticated, since it may cost a describe call.
 */
import { idProblem, to18 } from '@sbsf/salesforce';
import { hasLoneSurrogate, utf16Length } from '@sbsf/wire';
import { AppError } from '../errors.js';
import {
  CASE_FIELD_ALLOW_LIST,
  CASE_FIELD_MAX_LENGTH,
  CASE_PICKLIST_FIELDS,
  REQUIRED_CASE_FIELDS,
  type CaseFieldName,
  type CaseFields,
  type CasePicklists,
  type FieldProblem,
  type FieldProblemCode,
} from './case-schema.js';
import { emailProblem } from './email.js';

/** Case fields holding an Id, with the key prefix of the object they point at. */
export const CASE_ID_FIELDS: Partial<Record<CaseFieldName, { object: string; prefix: string }>> = {
  ContactId: { object: 'Contact', prefix: '003' },
  AccountId: { object: 'Account', prefix: '001' },
  AssetId: { object: 'Asset', prefix: '02i' },
};

export const CASE_EMAIL_FIELDS: ReadonlySet<CaseFieldName> = new Set(['SuppliedEmail']);

export interface CheckedCase {
  /** The fields to send: nulls of optional fields dropped, Ids in their 18-character form. */
  fields: CaseFields;
  problems: FieldProblem[];
}

/**
 * Checks every value that needs no call to Salesforce. Keys outside the allow-list are left to
 * the caller (each endpoint refuses them in its own words); here they are ignored.
 */
export function checkCaseValues(input: Record<string, unknown>, prefix = 'case.'): CheckedCase {
  const fields: CaseFields = {};
  const problems: FieldProblem[] = [];
  const problem = (name: string, code: FieldProblemCode, detail: string) =>
    problems.push({ field: prefix + name, code, message: `${prefix}${name} ${detail}` });
  for (const name of CASE_FIELD_ALLOW_LIST) {
    const required = REQUIRED_CASE_FIELDS.includes(name);
    if (!(name in input) || input[name] === undefined) {
      if (required) problem(name, 'required', 'is required');
      continue;
    }
    const v = input[name];
    if (v === null) {
      if (required) problem(name, 'required', 'is required and must not be null');
      continue;
    }
    if (typeof v !== 'string') {
      problem(name, 'not_a_string', 'must be a string');
      continue;
    }
    if (required && v.trim() === '') {
      problem(name, 'required', 'must not be empty');
      continue;
    }
    if (hasLoneSurrogate(v)) {
      problem(name, 'invalid_text', 'holds half of a character (an unpaired UTF-16 surrogate); send well-formed text');
      continue;
    }
    const max = CASE_FIELD_MAX_LENGTH[name];
    const length = utf16Length(v);
    if (length > max) {
      problem(
        name,
        'too_long',
        `is ${length} characters long as Salesforce counts them (UTF-16 code units: an emoji counts as 2); at most ${max} fit`,
      );
      continue;
    }
    if (v === '') {
      // An empty optional field is what Salesforce stores as null.
      fields[name] = v;
      continue;
    }
    if (CASE_EMAIL_FIELDS.has(name)) {
      const why = emailProblem(v);
      if (why) {
        problem(name, 'invalid_email', `is not an email address Salesforce accepts: it ${why}`);
        continue;
      }
    }
    const idField = CASE_ID_FIELDS[name];
    if (idField) {
      const why = idProblem(v, idField.prefix);
      if (why) {
        problem(name, 'invalid_id', `must be the Id of a ${idField.object} (${idField.prefix}..., 15 or 18 characters): ${why}`);
        continue;
      }
      fields[name] = to18(v);
      continue;
    }
    fields[name] = v;
  }
  return { fields, problems };
}

/**
 * Checks the picklist fields against the org's values. A value that matches but for letter case
 * is sent in the org's spelling. A field the describe does not list is left to Salesforce.
 */
export function checkPicklists(fields: CaseFields, picklists: CasePicklists, prefix = 'case.'): CheckedCase {
  const out: CaseFields = { ...fields };
  const problems: FieldProblem[] = [];
  for (const name of CASE_PICKLIST_FIELDS) {
    const v = fields[name];
    if (v === undefined || v === '') continue;
    const values = picklists.get(name);
    if (!values) continue;
    if (values.includes(v)) continue;
    const folded = values.find((p) => p.toLowerCase() === v.toLowerCase());
    if (folded !== undefined) {
      out[name] = folded;
      continue;
    }
    const shown = values.length <= 30 ? values.join(', ') : `${values.slice(0, 30).join(', ')} (and ${values.length - 30} more)`;
    const message = `${prefix}${name} must be one of the org's values: ${shown}`;
    problems.push({ field: prefix + name, code: 'invalid_picklist', message });
  }
  return { fields: out, problems };
}

/** The 400 for a refused ticket: every problem, the first field in `field` (the one error shape). */
export function invalidFieldError(problems: readonly FieldProblem[]): AppError {
  return new AppError(400, 'invalid_field', problems.map((p) => p.message).join('; '), {
    field: problems[0]?.field,
    fields: problems.map((p) => ({ field: p.field, code: p.code, message: p.message })),
  });
}
