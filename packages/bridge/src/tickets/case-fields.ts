/**
 * The Case fields a customer may set, and the tutorial's `/createticket` body rules.
 *
 * The allow-list and the four required fields are the tutorial server's (supertopoz/
 * Sendbird_Salesforce_Case_Server, middle_ware.js `checkBody`); its answers are kept word for word
 * so clients written against the tutorial keep working, but as JSON `{error, code, message}`
 * (the tutorial already answered its validation errors that way).
 */

import { checkCaseValues, invalidFieldError } from './case-input.js';
import { CASE_FIELD_ALLOW_LIST, REQUIRED_CASE_FIELDS, type CaseFields, type FieldProblem } from './case-schema.js';

/** The example the tutorial attaches to its validation errors. */
export const TUTORIAL_CASE_EXAMPLE = {
  ContactId: '0032x000004fM8DAAU',
  AccountId: '0012x0000082qL6AAI',
  AssetId: '',
  SuppliedName: 'REQUIRED',
  SuppliedEmail: 'REQUIRED',
  SuppliedPhone: '',
  SuppliedCompany: '',
  Type: 'Mechanical',
  Status: 'New',
  Reason: 'Equipment Design',
  Origin: 'Web',
  Subject: 'Inadequate headroom with installation of aircon unit - REQUIRED',
  Priority: 'Medium',
  Description: 'Some description - REQUIRED',
  Comments: '',
} as const;

export interface TutorialError {
  status: number;
  body: {
    error: true;
    code: number;
    message: string;
    case?: typeof TUTORIAL_CASE_EXAMPLE;
    field?: string;
    /** Machine-readable, as on every other endpoint (`invalid_field` for a value Salesforce would refuse). */
    reason?: string;
    fields?: FieldProblem[];
  };
}

function fail(message: string, withExample = false, field?: string): TutorialError {
  return {
    status: 400,
    body: { error: true, code: 400, message, ...(withExample ? { case: TUTORIAL_CASE_EXAMPLE } : {}), ...(field ? { field } : {}) },
  };
}

export type TutorialBody =
  /** The tutorial's v2 server: `{token_type, case:{...}}` with headers `user` and `token`. */
  | { shape: 'v2'; tokenType: 0 | 1; caseFields: CaseFields }
  /** The tutorial's first server: `{user_id}` and nothing else; the Case gets default fields. */
  | { shape: 'v1'; userId: string };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a `/createticket` body in the tutorial's order, with the tutorial's messages. */
export function parseTutorialBody(body: unknown): TutorialBody | TutorialError {
  if (!isPlainObject(body)) return fail('The body must be a JSON object');
  if (body.token_type === undefined && body.case === undefined && typeof body.user_id === 'string') {
    const userId = body.user_id.trim();
    if (!userId) return fail('No user_id', false, 'user_id');
    return { shape: 'v1', userId };
  }
  if (body.token_type === undefined || body.token_type === null) return fail('token_type required', false, 'token_type');
  if (typeof body.token_type !== 'number') return fail('token_type should be a number', false, 'token_type');
  if (body.token_type !== 0 && body.token_type !== 1) return fail('token_type 0 or 1', false, 'token_type');
  if (body.case === undefined || body.case === null) return fail('A case object is required! See attached example', true, 'case');
  if (!isPlainObject(body.case)) return fail('A case OBJECT is required! See attached example', true, 'case');
  const result = checkCaseFields(body.case);
  if ('status' in result) return result;
  return { shape: 'v2', tokenType: body.token_type, caseFields: result };
}

/**
 * Required keys present and no key outside the allow-list (the tutorial's answers), then every
 * value by Salesforce's rules (case-input.ts): required ones not null and not blank, lengths in
 * UTF-16 units, email syntax, Ids. Every bad value is named in `fields`.
 */
export function checkCaseFields(input: Record<string, unknown>): CaseFields | TutorialError {
  const keys = Object.keys(input);
  for (const req of REQUIRED_CASE_FIELDS) {
    if (!keys.includes(req)) return fail('Missing required case key(s)! See attached example', true, `case.${req}`);
  }
  const allowed = new Set<string>(CASE_FIELD_ALLOW_LIST);
  for (const k of keys) {
    if (!allowed.has(k)) return fail('Invalid case key found! See attached example', true, `case.${k}`);
  }
  const { fields, problems } = checkCaseValues(input);
  if (problems.length > 0) {
    const body = invalidFieldError(problems).toBody().error;
    return {
      status: 400,
      body: { error: true, code: 400, message: body.message, field: problems[0]!.field, reason: 'invalid_field', fields: problems },
    };
  }
  return fields;
}
