/**
 * REST errors as Salesforce sends them: a JSON array of `{message, errorCode, fields?}` (REST API
 * Developer Guide, "Status Codes and Error Responses"). Handlers throw ApiError; the dispatcher
 * turns it into the response. sObject Collections results spell the code `statusCode` instead.
 */

export interface ErrorItem {
  /** DUPLICATES_DETECTED only: what the duplicate rule found (duplicate-rules.ts); it comes first, as Salesforce writes it. */
  duplicateResult?: unknown;
  message: string;
  errorCode: string;
  fields?: string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly items: ErrorItem[],
  ) {
    super(items[0]?.message ?? 'error');
  }
}

export function apiError(status: number, errorCode: string, message: string, fields?: string[]): ApiError {
  return new ApiError(status, [{ message, errorCode, ...(fields ? { fields } : {}) }]);
}

export const notFound = (): ApiError => apiError(404, 'NOT_FOUND', 'The requested resource does not exist');

export function methodNotAllowed(method: string, allowed: string[]): ApiError {
  return apiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`);
}

/** The per-record error shape of sObject Collections: `{statusCode, message, fields}`. */
export function toCollectionErrors(err: ApiError): { statusCode: string; message: string; fields: string[] }[] {
  return err.items.map((i) => ({ statusCode: i.errorCode, message: i.message, fields: i.fields ?? [] }));
}
