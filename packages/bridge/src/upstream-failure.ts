/**
 * How a failure of an upstream call (Salesforce or Sendbird) is treated, for every feature: retry
 * later (a job tries again) or give up (the request itself was refused, e.g. a Case field).
 */
import { SalesforceAuthError, SalesforceConnectionError, SalesforceError, SalesforceRequestLimitError } from '@sbsf/salesforce';
import { SendbirdAuthError, SendbirdConnectionError, SendbirdError, SendbirdRateLimitError } from '@sbsf/sendbird';
import { truncateText } from '@sbsf/wire';

export type FailureKind =
  /** Upstream down, slow, rate limited, or our credentials refused: retry later. */
  | 'retryable'
  /** The request itself was refused (e.g. Salesforce rejected a Case field): do not retry. */
  | 'rejected';

export interface ClassifiedFailure {
  kind: FailureKind;
  system: 'salesforce' | 'sendbird' | 'bridge';
  /** Stable code for logs and answers, e.g. `SERVER_UNAVAILABLE`, `400201`. */
  code: string;
  /** Safe to show: never contains a secret. */
  message: string;
  fields?: string[];
}

/** Longest upstream message passed on (in answers, logs, the ledger), cut on a character boundary. */
export const MAX_FAILURE_MESSAGE = 500;

/** An upstream message as the bridge passes it on: well-formed text, cut where a character ends. */
const safeMessage = (message: string): string => truncateText(message, MAX_FAILURE_MESSAGE, '...');

export function classifyFailure(err: unknown): ClassifiedFailure {
  const c = classify(err);
  return { ...c, message: safeMessage(c.message) };
}

function classify(err: unknown): ClassifiedFailure {
  if (err instanceof SalesforceError) {
    const base = { system: 'salesforce' as const, code: err.errorCode, message: err.message, fields: err.fields };
    if (err instanceof SalesforceConnectionError || err instanceof SalesforceRequestLimitError || err instanceof SalesforceAuthError) {
      return { ...base, kind: 'retryable' };
    }
    if (err.status >= 500 || err.status === 429 || err.status === 0) return { ...base, kind: 'retryable' };
    return { ...base, kind: 'rejected' };
  }
  if (err instanceof SendbirdError) {
    const base = { system: 'sendbird' as const, code: String(err.code), message: err.message };
    if (err instanceof SendbirdConnectionError || err instanceof SendbirdRateLimitError || err instanceof SendbirdAuthError) {
      return { ...base, kind: 'retryable' };
    }
    // Sendbird's 5xxxxx codes are server-side (500901 unexpected error); see the error-codes page.
    if (err.status >= 500 || err.status === 429 || err.status === 0 || err.code >= 500000) return { ...base, kind: 'retryable' };
    return { ...base, kind: 'rejected' };
  }
  return { kind: 'retryable', system: 'bridge', code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
