/**
 * @sbsf/bridge: what features (the ticket flow, Salesforce events, webhooks, agent sessions),
 * launchers and tests build on.
 */
export { ConfigError, DEFAULTS, MIN_SECRET_LENGTH, configSecrets, loadConfig, redactedConfig } from './config.js';
export type {
  BridgeConfig,
  CustomerAuthConfig,
  CustomerAuthMode,
  HttpConfig,
  JobsConfig,
  LogLevel,
  SalesforceAuthFlow,
  SalesforceConfig,
  SendbirdConfig,
  StoreConfig,
} from './config.js';
export { createLogger, SecretScrubber, type Logger, type LoggerOptions } from './logger.js';
export { REDACTED, SECRET_FIELDS, SECRET_HEADERS, maskSecretFields } from './redaction.js';
export { AppError, errorBody, errorResponseSchema, type ErrorBody } from './errors.js';
export { createMetrics, type JobOutcome, type Metrics, type MetricsOptions } from './metrics.js';
export { buildServer, DOCS_PREFIX, type ServerDeps } from './server.js';
export {
  createBridgeContext,
  type BridgeContext,
  type BridgeFeature,
  type BridgeRoutes,
  type ContextParts,
  type FeatureFactory,
} from './context.js';
export { FEATURES } from './features.js';
export { startBridge, type BridgeHandle, type StartOptions } from './app.js';
export { JobRunner, type JobContext, type JobHandler, type JobRunnerOptions, type StopOptions } from './jobs/runner.js';
export { PermanentJobError, RetryLaterError, failureHints } from './jobs/errors.js';
export {
  backoffDelayMs,
  decideRetry,
  INITIAL_RETRY_DELAY_MS,
  MAX_RETRY_DELAY_MS,
  BACKOFF_MULTIPLIER,
  type JobRetryDecision,
} from './jobs/backoff.js';
export * from './store/index.js';
