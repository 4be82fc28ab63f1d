/** @sbsf/salesforce: a small Salesforce REST client on fetch. See ../README.md. */
export { SalesforceClient, MAX_COLLECTION_RECORDS, MAX_COMPOSITE_SUBREQUESTS } from './client.js';
export type { RequestOptions } from './client.js';
export type {
  SalesforceClientOptions,
  SalesforceAuth,
  ClientCredentialsAuth,
  JwtBearerAuth,
  PasswordAuth,
  SalesforceLogger,
  RetryOptions,
} from './options.js';
export { DEFAULT_API_VERSION, DEFAULT_JWT_AUDIENCE } from './options.js';
export {
  SalesforceError,
  SalesforceAuthError,
  SalesforceRequestLimitError,
  SalesforceNotFoundError,
  SalesforceConnectionError,
  errorFromResponse,
} from './errors.js';
export type { SalesforceErrorItem } from './errors.js';
export { shouldRetry, retryDelayMs, DEFAULT_MAX_ATTEMPTS, INITIAL_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS } from './retry.js';
export type { RetryDecisionInput } from './retry.js';
export { signJwtAssertion, JWT_LIFETIME_SECONDS } from './jwt.js';
export { JWT_BEARER_GRANT, tokenRequestBody, parseTokenResponse } from './auth.js';
export type { AccessToken } from './auth.js';
export { parseLimitInfo } from './limit-info.js';
export type { LimitInfo } from './limit-info.js';
export { to18, isSalesforceId, idProblem, keyPrefix, KEY_PREFIX, isUserId, isQueueId, sameId } from './ids.js';
export type * from './types.js';
