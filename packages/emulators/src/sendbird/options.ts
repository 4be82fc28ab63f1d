/** Options of the Sendbird emulator and their defaults (docs/emulator-sendbird.md lists them). */
import type { FaultSettings } from '../common/faults.js';

export interface WebhookConfig {
  /** Receiver URL; no deliveries while unset. */
  url?: string;
  /** Sendbird's "enabled" switch of the webhook settings; default true. No deliveries while false. */
  enabled?: boolean;
  /** Categories such as `group_channel:message_send`; `['*']` (default) means all. */
  enabledEvents?: string[];
  /** Add `members[]` to payloads ("Include member information"; off by default like Sendbird). */
  includeMembers?: boolean;
  /** Token that signs deliveries; default: the emulator's master `apiToken`. */
  masterApiToken?: string;
  /** Tries per event until a 200. Sendbird: up to 3. */
  maxAttempts?: number;
  /** How long one try waits for an answer. Sendbird: 5 s. */
  timeoutMs?: number;
  /** Pause before each retry, in ms (Sendbird does not publish its spacing). */
  retryDelayMs?: number;
  /**
   * What ends the tries: `not_200` (default) retries anything but a 200, `no_response` only a
   * timeout or a failed connection (the overview says "until it receives a response").
   */
  retryOn?: 'not_200' | 'no_response';
  /** Fault injection: the share of tries (0 to 1) lost on the way, as if the network dropped them; 1 = a webhook outage. */
  dropRate?: number;
}

export interface RateCapOptions {
  /** Enforce Sendbird's per-endpoint caps (off by default so tests are not slowed). */
  enabled?: boolean;
  /** Requests per second for each capped endpoint. Sendbird: about 5 on every plan. */
  perSecond?: number;
}

/** Sendbird's plans by monthly active users: free trial, 5K, 10K, 25K, 50K and 100K+ MAU. */
export type PlanName = 'trial' | '5k' | '10k' | '25k' | '50k' | '100k';

/** Requests a second per endpoint: GET, and POST/PUT/DELETE alike. */
export interface PlanRates {
  getPerSecond: number;
  writePerSecond: number;
}

export interface PlanLimitOptions {
  /** Enforce the plan's limits. Default: on when `plan` is given, else off. */
  enabled?: boolean;
  /** A plan from Sendbird's table, or explicit rates. Default `'trial'`. */
  plan?: PlanName | PlanRates;
  /**
   * What shares a window: `endpoint` (default: one window per method and route, as the docs say
   * "per endpoint and per application") or `method` (one window per HTTP method across
   * endpoints, as a Sendbird community answer describes it).
   */
  per?: 'endpoint' | 'method';
}

export interface SeedUser {
  user_id: string;
  nickname?: string;
  profile_url?: string;
  metadata?: Record<string, string>;
}

export interface SeedChannel {
  channel_url: string;
  user_ids?: string[];
  name?: string;
  custom_type?: string;
  data?: string;
}

export interface SendbirdEmulatorOptions {
  /** Default `'emulator'`. */
  appId?: string;
  /** Master API token; default `'emulator-master-token'`. Also the default webhook signing key. */
  apiToken?: string;
  /** Secondary tokens also accepted as `Api-Token`. */
  secondaryApiTokens?: string[];
  webhook?: WebhookConfig;
  seed?: { users?: SeedUser[]; channels?: SeedChannel[] };
  faults?: FaultSettings;
  rateCaps?: RateCapOptions;
  /** Sendbird's plan-based limits (off by default), layered with `rateCaps`. */
  planLimits?: PlanLimitOptions;
  /** Clock in ms; default `Date.now`. */
  now?: () => number;
  /** Log requests with fastify's logger (default false). Tokens are never logged. */
  logger?: boolean;
  /**
   * The largest file a FILE message may upload, in bytes; larger -> 400111 "Maximum filesize for
   * uploading is 25Mb." Sendbird sets it by plan (25 MB in its docs' example); default 25 MB.
   */
  fileUploadMaxBytes?: number;
}

export const DEFAULTS = {
  appId: 'emulator',
  apiToken: 'emulator-master-token',
  webhookMaxAttempts: 3,
  webhookTimeoutMs: 5_000,
  webhookRetryDelayMs: 1_000,
  rateCapPerSecond: 5,
  /** Sendbird's upload limit as its docs quote it: "Maximum filesize for uploading is 25Mb" (400111). */
  fileUploadMaxBytes: 25 * 1024 * 1024,
  /** Default lifetime of a session token when `expires_at` is omitted: 7 days (issue-a-session-token doc). */
  sessionTokenTtlMs: 7 * 24 * 3600 * 1000,
} as const;
