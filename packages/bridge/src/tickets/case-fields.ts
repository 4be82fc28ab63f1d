/**
 * The Case fields a customer may set, and the tutorial's `/createticket` body rules.
 *
 * The allow-list and the four required fields are the tutorial server's (supertopoz/
 * Sendbird_Salesforce_Case_Server, middle_ware.js `checkBody`); its answers are kept word for word
 * so clients written against the tutorial keep working, but as JSON `{error, code, message}`
 * (the tutorial already answered its validation errors that way).
 */

export const CASE_FIELD_ALLOW_LIST = [
  'ContactId',
  'AccountId',
  'AssetId',
  'SuppliedName',
  'SuppliedEmail',
  'SuppliedPhone',
  'SuppliedCompany',
  'Type',
  'Status',
  'Reason',
  'Origin',
  'Subject',
  'Priority',
  'Description',
  'Comments',
] as const;

export type CaseFieldName = (typeof CASE_FIELD_ALLOW_LIST)[number];
export type CaseFields = Partial<Record<CaseFieldName, string>>;

export const REQUIRED_CASE_FIELDS: readonly CaseFieldName[] = ['Subject', 'Description', 'SuppliedName', 'SuppliedEmail'];

/** Longest value we accept per field; Salesforce's own limits (Subject 255, Description 32k). */
export const CASE_FIELD_MAX_LENGTH: Record<CaseFieldName, number> = {
  ContactId: 18,
  AccountId: 18,
  AssetId: 18,
  SuppliedName: 80,
  SuppliedEmail: 80,
  SuppliedPhone: 40,
  SuppliedCompany: 80,
  Type: 255,
  Status: 255,
  Reason: 255,
  Origin: 255,
  Subject: 255,
  Priority: 255,
  Description: 32000,
  Comments: 4000,
};

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
  body: { error: true; code: number; message: string; case?: typeof TUTORIAL_CASE_EXAMPLE; field?: string };
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

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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

/** Required keys present, no key outside the allow-list, every value a string within limits. */
export function checkCaseFields(input: Record<string, unknown>): CaseFields | TutorialError {
  const keys = Object.keys(input);
  for (const req of REQUIRED_CASE_FIELDS) {
    if (!keys.includes(req)) return fail('Missing required case key(s)! See attached example', true, `case.${req}`);
  }
  const allowed = new Set<string>(CASE_FIELD_ALLOW_LIST);
  for (const k of keys) {
    if (!allowed.has(k)) return fail('Invalid case key found! See attached example', true, `case.${k}`);
  }
  const out: CaseFields = {};
  for (const k of keys as CaseFieldName[]) {
    const v = input[k];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string') return fail(`case.${k} must be a string`, false, `case.${k}`);
    if (v.length > CASE_FIELD_MAX_LENGTH[k]) {
      return fail(`case.${k} is longer than ${CASE_FIELD_MAX_LENGTH[k]} characters`, false, `case.${k}`);
    }
    if (REQUIRED_CASE_FIELDS.includes(k) && v.trim() === '') return fail(`case.${k} must not be empty`, false, `case.${k}`);
    out[k] = v;
  }
  return out;
}
