/**
 * What to do with a record Salesforce refused inside an sObject Collections call (each record
 * gets `{success:false, errors:[{statusCode, message, fields}]}`; REST API Developer Guide,
 * "sObject Collections"). A pure function: a few codes mean "try again later" (a locked row, a
 * busy server); anything else (the Case was deleted: INVALID_CROSS_REFERENCE_KEY or
 * ENTITY_IS_DELETED; a validation rule; a field the integration user cannot write) will fail the
 * same way every time, so the message is dead-lettered and logged in the ledger, not retried.
 */
import type { CollectionError } from '@sbsf/salesforce';

/** Per-record status codes a later retry can fix. */
export const TRANSIENT_RECORD_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_LOCK_ROW',
  'REQUEST_RUNNING_TOO_LONG',
  'SERVER_UNAVAILABLE',
  'QUERY_TIMEOUT',
  'UNKNOWN_EXCEPTION',
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
]);

export interface RecordFailure {
  code: string;
  message: string;
  retryable: boolean;
}

export function recordFailure(errors: readonly CollectionError[] | undefined): RecordFailure {
  const first = errors?.[0];
  const code = first?.statusCode ?? 'UNKNOWN_EXCEPTION';
  const fields = first?.fields?.length ? ` (${first.fields.join(', ')})` : '';
  return { code, message: `${code}: ${first?.message ?? 'no error detail'}${fields}`, retryable: TRANSIENT_RECORD_CODES.has(code) };
}
