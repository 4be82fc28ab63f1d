export { BACKOFF_MULTIPLIER, backoffDelayMs, backoffWindowMs, type Backoff, type Jitter } from './backoff.js';
export { decideRequestRetry, isTransientStatus, type FailedRequest, type RequestRetryDecision, type RetryRules } from './decide-retry.js';
