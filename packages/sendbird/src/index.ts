/** @sbsf/sendbird: Sendbird Platform API client, typed errors, prioritised pacing of the capped endpoints, webhook signing. */
export { SendbirdClient } from './client.js';
export type { HttpMethod, RequestSpec } from './client.js';
export type { SendbirdClientOptions, SendbirdLogger } from './options.js';
export { DEFAULT_TIMEOUT_MS } from './options.js';
export {
  SendbirdCode,
  SendbirdError,
  SendbirdNotFoundError,
  SendbirdAlreadyExistsError,
  SendbirdAuthError,
  SendbirdRateLimitError,
  SendbirdConnectionError,
  sendbirdErrorFromResponse,
  parseRetryAfter,
} from './errors.js';
export {
  decideRetry,
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  DEFAULT_MAX_ATTEMPTS,
  INITIAL_RETRY_DELAY_MS,
  MAX_RETRY_DELAY_MS,
  MAX_RETRY_AFTER_MS,
} from './retry.js';
export type { RetryPolicy } from './retry.js';
export type { RequestRetryDecision } from '@sbsf/retry';
export { TokenBucket, CAPPED_ROUTES, DEFAULT_CAPPED_PER_SECOND } from './limiter.js';
export type { LimiterOptions, SharedSlots } from './limiter.js';
export { CappedScheduler, EndpointScheduler, SHARED_JITTER_MS, SHARED_RETRY_MS } from './scheduler.js';
export type { Granted, GrantListener, QueueDepth, SchedulerClock } from './scheduler.js';
export { PRIORITY_CLASSES, DEFAULT_PRIORITY_CLASS, withSendbirdPriority, currentSendbirdPriority, isPriorityClass } from './priority.js';
export type { PriorityClass, SendbirdPriority } from './priority.js';
export { signWebhook } from './sign-webhook.js';
export { verifyWebhookSignature } from './verify-webhook-signature.js';
export type { VerifyWebhookSignatureArgs } from './verify-webhook-signature.js';
export type * from './types.js';
