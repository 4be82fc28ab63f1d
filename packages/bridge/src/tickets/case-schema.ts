/**
 * The Case fields a ticket may set, as data: the allow-list, the required fields, their lengths,
 * the picklist fields, and the shape of a field problem. case-fields.ts, case-input.ts and
 * case-describe.ts build on it; it imports nothing.
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

/**
 * Longest value per field in UTF-16 code units, as Salesforce counts them: the Case field lengths
 * of Salesforce's object reference (Subject 255, Description 32,000, SuppliedName 80...), the
 * same as the Salesforce emulator's schema. Ids are 18; picklist values are checked against the
 * org's describe, so 255 (the longest picklist value) is only an outer bound.
 */
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

/** The picklist fields a customer may set; their values come from the org's describe. */
export const CASE_PICKLIST_FIELDS = ['Type', 'Reason', 'Origin', 'Priority', 'Status'] as const satisfies readonly CaseFieldName[];

/** Field name -> its active values, in the org's order. */
export type CasePicklists = ReadonlyMap<string, readonly string[]>;

export type FieldProblemCode =
  'required' | 'not_a_string' | 'too_long' | 'invalid_text' | 'invalid_email' | 'invalid_id' | 'invalid_picklist';

export interface FieldProblem {
  /** The request field, e.g. `case.SuppliedEmail`. */
  field: string;
  code: FieldProblemCode;
  /** What is wrong and what to send instead; starts with the field. */
  message: string;
}
