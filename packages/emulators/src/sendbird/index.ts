/** The Sendbird emulator. See docs/emulator-sendbird.md. */
export { createSendbirdEmulator, startSendbirdEmulator } from './emulator.js';
export type { SendbirdEmulator, RunningSendbirdEmulator } from './emulator-types.js';
export type {
  SendbirdEmulatorOptions,
  WebhookConfig,
  RateCapOptions,
  PlanLimitOptions,
  PlanName,
  PlanRates,
  SeedUser,
  SeedChannel,
} from './options.js';
export { PLAN_RATES } from './plan-limits.js';
export type { PlanLimitState } from './plan-limits.js';
export { DEFAULTS as SENDBIRD_EMULATOR_DEFAULTS } from './options.js';
export type { Delivery, DeliveryAttempt, ResolvedWebhookConfig } from './webhooks.js';
export type { CallStats, RouteCounts } from './stats.js';
export { FEED_PATH, FEED_REST_PREFIX, FeedCloseCode, AUTH_TIMEOUT_MS } from './feed/protocol.js';
export type { FeedChannelSummary, FeedClientFrame, FeedServerFrame, FeedUser } from './feed/protocol.js';
