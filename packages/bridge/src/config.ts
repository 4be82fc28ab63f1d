/**
 * The bridge's configuration: the ONLY module in the project that reads `process.env`.
 *
 * `loadConfig()` validates every setting at start-up and throws one `ConfigError` that lists every
 * missing or invalid setting at once (fixing them one restart at a time is miserable), each naming
 * the environment variable and what to set. The result is a deep-frozen typed object; secrets stay
 * readable as properties for the code that needs them, but `JSON.stringify`, `String()` and
 * `util.inspect` of the config (or of any part holding a secret) show `[REDACTED]`.
 * docs/bridge.md has the table of every setting.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { isSalesforceId, isUserId, to18 } from '@sbsf/salesforce';
import { CASE_CHANGE_TOPIC, DEFAULT_PUBSUB_ENDPOINT } from '@sbsf/salesforce/pubsub';

export type SalesforceAuthFlow = 'client_credentials' | 'jwt_bearer' | 'password';
export type CustomerAuthMode = 'jwt' | 'sendbird_token' | 'guest';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface HttpConfig {
  port: number;
  host: string;
  /** Where clients reach the bridge (used in the OpenAPI document and later in webhook URLs). */
  publicUrl: string;
  corsOrigins: readonly string[];
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  /** Fastify `trustProxy`: false, true, a hop count, or a list of trusted proxy addresses/CIDRs. */
  trustProxy: boolean | number | readonly string[];
}

export interface SqliteStoreConfig {
  kind: 'sqlite';
  dataDir: string;
  /** The SQLite file (`<DATA_DIR>/bridge.sqlite` unless DATABASE_URL names another). */
  file: string;
  /** SQLITE_SYNCHRONOUS: NORMAL (default) or FULL. */
  synchronous: 'NORMAL' | 'FULL';
  /** SQLITE_GROUP_COMMIT: the writes of one event-loop turn share one commit (default true). */
  groupCommit: boolean;
}

export interface PostgresStoreConfig {
  kind: 'postgres';
  dataDir: string;
  /** DATABASE_URL, `postgres://user:password@host:port/database`; its password is a secret. */
  url: string;
  /** DATABASE_SCHEMA: the schema holding the tables (created if missing); unset = the server's default. */
  schema: string | undefined;
  /** DATABASE_POOL_SIZE: connections per process. */
  poolSize: number;
}

/** `sqlite` unless DATABASE_URL is a PostgreSQL URL. */
export type StoreConfig = SqliteStoreConfig | PostgresStoreConfig;

export interface SalesforceConfig {
  loginUrl: string;
  authFlow: SalesforceAuthFlow;
  clientId: string;
  clientSecret: string | undefined;
  username: string | undefined;
  password: string | undefined;
  /** PEM, read from SALESFORCE_JWT_PRIVATE_KEY or the file SALESFORCE_JWT_PRIVATE_KEY_FILE. */
  jwtPrivateKey: string | undefined;
  apiVersion: string;
  caseOrigin: string;
}

export interface SendbirdConfig {
  appId: string;
  apiToken: string;
  /** API origin; `https://api-{appId}.sendbird.com` unless SENDBIRD_API_URL points elsewhere (the emulator). */
  apiUrl: string;
  /** Tokens still accepted for webhook signatures while a rotation is rolled out. */
  previousApiTokens: readonly string[];
  sessionTtlSeconds: number;
  /** Client-side cap for the endpoints Sendbird limits to about 5/s (channel creation, invites, sends); 0 = off. */
  cappedPerSecond: number;
  /**
   * SENDBIRD_SHARED_PACING: the capped endpoints' slots are booked in the store, shared by every
   * instance on it (`auto`, the default: with PostgreSQL, not with SQLite).
   */
  sharedPacing: boolean;
}

export interface UpstreamConfig {
  /** UPSTREAM_TIMEOUT_MS: per-call time limit for Salesforce and Sendbird; undefined = each client's default (30 s, 15 s). */
  timeoutMs: number | undefined;
}

export type CustomerAuthConfig =
  | {
      mode: 'jwt';
      jwtSecret: string | undefined;
      jwtPublicKey: string | undefined;
      issuer: string | undefined;
      audience: string | undefined;
    }
  | { mode: 'sendbird_token' }
  /**
   * Anyone may open tickets and read them as anyone. `loopback`: SANDBOX=true, HOST and every
   * upstream URL on this machine (the sandbox's emulators); `override`: ALLOW_GUEST_CUSTOMERS
   * accepts the risk (HOST must still be loopback). See `parseGuest`.
   */
  | { mode: 'guest'; allowedBy: 'loopback' | 'override' };

export interface TicketsConfig {
  /** When the job that finishes a ticket becomes due if the request path has not finished it. */
  safetyDelayMs: number;
  /** Linking each ticket's Case to the customer's Contact (docs/bridge.md, "Contact matching"). */
  contacts: ContactsConfig;
}

/** CONTACT_MATCH: what identifies a customer's Contact; `off` leaves Cases unlinked. */
export type ContactMatchMode = 'off' | 'email' | 'external_id';
/** CONTACT_CREATE: what happens when no Contact matches. */
export type ContactCreateRule = 'none' | 'contact' | 'person_account';
/** CONTACT_DUPLICATES: what a duplicate rule refusing the creation leads to. */
export type ContactDuplicatesRule = 'skip' | 'allow_save' | 'link_match';

export interface ContactsConfig {
  match: ContactMatchMode;
  /** CONTACT_MATCH_FIELD: the External Id field on Contact holding the customer's Sendbird user id. */
  field: string;
  create: ContactCreateRule;
  /** PERSON_ACCOUNT_RECORD_TYPE_ID: the Person Account record type new Person Accounts get (18 characters). */
  personAccountRecordTypeId: string | undefined;
  duplicates: ContactDuplicatesRule;
  /** CONTACT_MATCH_REFRESH_DAYS in ms: a remembered Contact older than this is looked up again. */
  refreshMs: number;
}

export interface MembershipConfig {
  /** A previous agent leaves the channel when the Case changes hands (REMOVE_PREVIOUS_AGENT). */
  removePreviousAgent: boolean;
  /** How often open Cases with channels are reconciled; 0 = never (SWEEP_INTERVAL_MS). */
  sweepIntervalMs: number;
  /**
   * How often a sweep reads every open chat Case and its channel (SWEEP_FULL_INTERVAL_MS); the
   * sweeps between read only the Cases saved since. 0 = every sweep reads everything.
   */
  sweepFullIntervalMs: number;
  /** Case Ids per reconcile job, read from Salesforce 200 at a time (RECONCILE_BATCH_SIZE). */
  batchSize: number;
  /** 18-character User Ids that own Cases without being agents, e.g. the integration user (NON_AGENT_USER_IDS). */
  nonAgentUserIds: readonly string[];
  /** How Case changes reach the bridge besides the sweep. */
  caseEvents: CaseEventsConfig;
}

export type CaseEventsMode = 'apex' | 'cdc';

export interface CaseEventsConfig {
  /**
   * CASE_EVENTS: `apex` (the org's triggers post to POST /salesforce/events through the Named
   * Credential; the tutorial's way) or `cdc` (the bridge subscribes to Case change events over
   * Salesforce's Pub/Sub API; no Apex runs for it). POST /salesforce/events is served either way.
   */
  mode: CaseEventsMode;
  /** SALESFORCE_PUBSUB_ENDPOINT: host:port of the Pub/Sub API (TLS). */
  pubsubEndpoint: string;
  /** SALESFORCE_PUBSUB_CA_FILE: PEM certificates to trust besides the system's (the sandbox's emulator). */
  pubsubCaPem: string | undefined;
  /** SALESFORCE_CDC_TOPIC: the change-event channel, `/data/CaseChangeEvent` or a custom channel holding it. */
  topic: string;
  /** CDC_FETCH_SIZE: events asked for at a time (flow control; at most 100, Pub/Sub API's limit). */
  fetchSize: number;
  /** CDC_LEASE_MS: how long one instance holds the subscription without renewing it; another takes over after. */
  leaseMs: number;
}

export type TranscriptMode = 'object' | 'case_comment';
export type CaseClosedAction = 'freeze' | 'message';

export interface TranscriptConfig {
  /** TRANSCRIPT_MODE: `object` (Sendbird_Message__c, exactly once) or `case_comment` (CaseComment, at least once). */
  mode: TranscriptMode;
  /** TRANSCRIPT_FLUSH_MS: the longest a message waits before it is written (200 waiting are written at once). */
  flushMs: number;
  /** TRANSCRIPT_MIN_BATCH_WAIT_MS: how long a message waits at least while nothing is being written (transcript/flush-plan.ts). */
  minBatchWaitMs: number;
  /** TRANSCRIPT_WRITES_IN_FLIGHT: Salesforce write calls one process makes at once at most; all but one carry full batches only. */
  writesInFlight: number;
  /** TRANSCRIPT_SLOW_FLUSH_MS: that wait while the Salesforce API budget is low. */
  slowFlushMs: number;
  /** TRANSCRIPT_RETENTION_DAYS: how long written messages are remembered (duplicate webhooks recognised). */
  retentionDays: number;
  /** SENDBIRD_WEBHOOK_BODY_LIMIT_BYTES: largest webhook body; larger is a 413. */
  webhookBodyLimitBytes: number;
  /** TRANSCRIPT_CATCHUP_INTERVAL_MS: each open Case's channel history is read this often (transcript/catchup.ts). */
  catchupIntervalMs: number;
  /** TRANSCRIPT_CATCHUP_GAP_MS: a webhook for a message sent longer ago than this makes its channel's catch-up due at once. */
  catchupGapMs: number;
  /** TRANSCRIPT_CATCHUP_RECHECK: messages before the last one read that each catch-up reads again, for edits and removals. */
  catchupRecheck: number;
  /** TRANSCRIPT_CATCHUP_READS_PER_SECOND: history reads one process makes per second at most. */
  catchupReadsPerSecond: number;
  /** SALESFORCE_BUDGET_RESERVE: below this share of the daily API allowance left, mirroring slows down. */
  budgetReserve: number;
  /** CASE_CLOSED_ACTION: what a closed Case does to its chat. */
  caseClosedAction: CaseClosedAction;
  /** CASE_CLOSED_MESSAGE / CASE_REOPENED_MESSAGE: the admin messages of `CASE_CLOSED_ACTION=message`. */
  caseClosedMessage: string;
  caseReopenedMessage: string;
  /** The files of FILE messages, stored as Salesforce Files on the Case (transcript/files.ts). */
  files: TranscriptFilesConfig;
}

export interface CsatConfig {
  /** CSAT=on|off: a closed Case's customer is asked for a rating (once per Case). */
  enabled: boolean;
  /** CSAT_EXPIRY: how long a survey waits for its answer before it expires (ms). */
  expiryMs: number;
  /** CSAT_QUESTION: the survey's text in the chat. */
  question: string;
}

/** CUSTOMER_END_ACTION: what the customer's "End chat" does to the Case. */
export type CustomerEndAction = 'close' | 'mark';

export interface EndChatConfig {
  action: CustomerEndAction;
  /** CUSTOMER_END_CLOSED_STATUS: the Case Status `close` sets (one of the org's closed statuses). */
  closedStatus: string;
}

export interface TranscriptFilesConfig {
  /** TRANSCRIPT_FILES: store them (default true); false keeps only the link on the record. */
  enabled: boolean;
  /** TRANSCRIPT_FILE_MAX_BYTES: larger files keep only the link (at most 37.5 MB, the REST API's JSON blob limit). */
  maxBytes: number;
  /** TRANSCRIPT_FILE_TIMEOUT_MS: one download, headers and body. */
  timeoutMs: number;
  /** TRANSCRIPT_FILE_HOSTS: hosts besides Sendbird's that files may be downloaded from (lower-case; `.example.com` matches its subdomains). */
  hosts: string[];
}

export interface HistoryConfig {
  /**
   * HISTORY_CACHE_TTL_SECONDS: how long a customer's Case list and an agent's access to a Case are
   * reused for the agent panel's history (0 = read Salesforce every time). A Case closed or
   * reassigned meanwhile shows as it was for up to this long.
   */
  cacheTtlMs: number;
  /** HISTORY_CACHE_MAX_ENTRIES: customers, and agent x Case pairs, remembered at most (each map; oldest forgotten first). */
  cacheMaxEntries: number;
}

export interface JobsConfig {
  pollMs: number;
  maxAttempts: number;
  leaseMs: number;
  concurrency: number;
}

export interface BridgeConfig {
  sandbox: boolean;
  logLevel: LogLevel;
  http: HttpConfig;
  store: StoreConfig;
  salesforce: SalesforceConfig;
  sendbird: SendbirdConfig;
  upstream: UpstreamConfig;
  /** Bearer secret the Salesforce Named Credential sends (and the agent-session Apex). */
  sharedSecret: string;
  /**
   * METRICS_TOKEN: bearer token `/metrics` requires. Unset: `/metrics` answers loopback peers
   * only, and nobody when TRUST_PROXY says a proxy is in front (its requests come from loopback).
   */
  metricsToken: string | undefined;
  /**
   * ADMIN_TOKEN: bearer token the admin endpoints (`/admin/erasures`) require. Unset: they answer
   * 404, as if they did not exist.
   */
  adminToken: string | undefined;
  customerAuth: CustomerAuthConfig;
  jobs: JobsConfig;
  tickets: TicketsConfig;
  membership: MembershipConfig;
  transcript: TranscriptConfig;
  history: HistoryConfig;
  csat: CsatConfig;
  endChat: EndChatConfig;
  /** Settings that are valid but probably not what was meant; main.ts logs them at start-up. */
  warnings: readonly string[];
}

/** Every problem found, one per line, each naming the variable to set. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`[bridge] invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${bulleted(problems)}`);
    this.name = 'ConfigError';
  }
}

const bulleted = (lines: readonly string[]): string => lines.map((line) => `  - ${line}`).join('\n');

export const DEFAULTS = {
  PORT: 8080,
  HOST: '127.0.0.1',
  DATA_DIR: './data',
  LOG_LEVEL: 'info' as LogLevel,
  SALESFORCE_AUTH_FLOW: 'client_credentials' as SalesforceAuthFlow,
  SALESFORCE_API_VERSION: '62.0',
  SALESFORCE_CASE_ORIGIN: 'Chat',
  SENDBIRD_SESSION_TTL_SECONDS: 86_400,
  CUSTOMER_AUTH_MODE: 'jwt' as CustomerAuthMode,
  RATE_LIMIT_PER_MINUTE: 60,
  BODY_LIMIT_BYTES: 65_536,
  JOB_POLL_MS: 1_000,
  TICKET_SAFETY_DELAY_MS: 30_000,
  JOB_MAX_ATTEMPTS: 10,
  JOB_LEASE_MS: 300_000,
  JOB_CONCURRENCY: 4,
  REMOVE_PREVIOUS_AGENT: true,
  SWEEP_INTERVAL_MS: 300_000,
  SWEEP_FULL_INTERVAL_MS: 86_400_000,
  CASE_EVENTS: 'apex' as CaseEventsMode,
  CDC_FETCH_SIZE: 100,
  CDC_LEASE_MS: 30_000,
  RECONCILE_BATCH_SIZE: 200,
  TRANSCRIPT_MODE: 'object' as TranscriptMode,
  TRANSCRIPT_FLUSH_MS: 2_000,
  TRANSCRIPT_MIN_BATCH_WAIT_MS: 0,
  TRANSCRIPT_WRITES_IN_FLIGHT: 2,
  TRANSCRIPT_SLOW_FLUSH_MS: 60_000,
  TRANSCRIPT_RETENTION_DAYS: 7,
  TRANSCRIPT_FILES: true,
  /** Sendbird's own upload limit (25 MB), under the REST API's 37.5 MB for a file in a JSON body. */
  TRANSCRIPT_FILE_MAX_BYTES: 25 * 1024 * 1024,
  TRANSCRIPT_FILE_TIMEOUT_MS: 30_000,
  SENDBIRD_WEBHOOK_BODY_LIMIT_BYTES: 262_144,
  TRANSCRIPT_CATCHUP_INTERVAL_MS: 300_000,
  TRANSCRIPT_CATCHUP_GAP_MS: 15_000,
  TRANSCRIPT_CATCHUP_RECHECK: 20,
  TRANSCRIPT_CATCHUP_READS_PER_SECOND: 2,
  SALESFORCE_BUDGET_RESERVE: 0.1,
  CASE_CLOSED_ACTION: 'freeze' as CaseClosedAction,
  CONTACT_MATCH: 'off' as ContactMatchMode,
  CONTACT_MATCH_FIELD: 'Sendbird_User_Id__c',
  CONTACT_CREATE: 'none' as ContactCreateRule,
  CONTACT_DUPLICATES: 'skip' as ContactDuplicatesRule,
  CONTACT_MATCH_REFRESH_DAYS: 30,
  CASE_CLOSED_MESSAGE: 'This case is closed. Thank you for contacting us; open a new request if you need more help.',
  CASE_REOPENED_MESSAGE: 'This case has been reopened: an agent will continue the conversation here.',
  DATABASE_POOL_SIZE: 10,
  HISTORY_CACHE_TTL_SECONDS: 60,
  HISTORY_CACHE_MAX_ENTRIES: 10_000,
  CSAT: 'on' as 'on' | 'off',
  CSAT_EXPIRY_MS: 7 * 86_400_000,
  CSAT_QUESTION: 'How would you rate the help you got? Choose from 1 (poor) to 5 (excellent); a comment is optional.',
  CUSTOMER_END_ACTION: 'mark' as CustomerEndAction,
  CUSTOMER_END_CLOSED_STATUS: 'Closed',
} as const;

/** Longest CSAT_QUESTION: Sendbird's limit for an admin message (1,000 characters). */
export const MAX_CSAT_QUESTION_LENGTH = 1_000;

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Shortest accepted shared secrets: 32 characters is 192+ bits when generated randomly. */
export const MIN_SECRET_LENGTH = 32;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const REDACTED = '[REDACTED]';

type Env = Record<string, string | undefined>;

/** Reads one setting at a time and collects every problem instead of stopping at the first. */
class EnvReader {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  constructor(private readonly env: Env) {}

  /** The trimmed value, or undefined when unset or blank. */
  raw(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  problem(name: string, message: string): void {
    this.problems.push(`${name} ${message}`);
  }

  required(name: string, what: string): string {
    const v = this.raw(name);
    if (v === undefined) {
      this.problem(name, `is required: ${what}`);
      return '';
    }
    return v;
  }

  int(name: string, def: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problem(name, `must be a whole number from ${min} to ${max} (got "${v}")`);
      return def;
    }
    return Number(v);
  }

  bool(name: string, def: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return def;
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    this.problem(name, `must be true or false (got "${v}")`);
    return def;
  }

  /** A decimal number from `min` to `max`, e.g. a share such as 0.1. */
  fraction(name: string, def: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (!/^\d+(\.\d+)?$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problem(name, `must be a number from ${min} to ${max}, e.g. 0.1 (got "${v}")`);
      return def;
    }
    return Number(v);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], def: T): T {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problem(name, `must be one of ${allowed.join(', ')} (got "${v}")`);
      return def;
    }
    return v as T;
  }

  /** An http(s) URL; plain http only for loopback hosts or in the sandbox (secrets travel over it). */
  url(name: string, value: string | undefined, sandbox: boolean): string | undefined {
    if (value === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      this.problem(name, `must be an absolute URL such as https://example.com (got "${value}")`);
      return undefined;
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      this.problem(name, `must be an http(s) URL (got "${u.protocol}")`);
      return undefined;
    }
    if (u.protocol === 'http:' && !sandbox && !isLoopback(u.hostname)) {
      this.problem(name, `must use https outside the sandbox (got "${value}")`);
      return undefined;
    }
    return value.replace(/\/+$/, '');
  }

  /** A duration such as `7d`, `12h`, `30m`, `45s` or `500ms`, as ms, from `min` to `max` ms. */
  duration(name: string, def: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return def;
    const m = /^(\d+)\s*(ms|s|m|h|d)$/.exec(v);
    const ms = m ? Number(m[1]) * DURATION_UNITS_MS[m[2]!]! : NaN;
    if (!Number.isFinite(ms) || ms < min || ms > max) {
      this.problem(name, `must be a duration from ${min} ms to ${max / 86_400_000} days, such as 7d, 12h, 30m or 45s (got "${v}")`);
      return def;
    }
    return ms;
  }

  list(name: string): string[] {
    const v = this.raw(name);
    if (v === undefined) return [];
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Reads and validates every setting; throws a `ConfigError` listing every problem at once. */
export function loadConfig(env: Env = process.env): BridgeConfig {
  const r = new EnvReader(env);
  // The settings are read in this order, which is the order of the problems in a ConfigError.
  const sandbox = r.bool('SANDBOX', false);
  const http = parseHttp(r);
  const logLevel = r.oneOf('LOG_LEVEL', LOG_LEVELS, DEFAULTS.LOG_LEVEL);
  const store = parseStore(r, resolve(r.raw('DATA_DIR') ?? DEFAULTS.DATA_DIR));
  const salesforce = parseSalesforce(r, sandbox);
  const sendbird = parseSendbird(r, sandbox, store.kind);
  const upstream: UpstreamConfig = {
    timeoutMs: r.raw('UPSTREAM_TIMEOUT_MS') === undefined ? undefined : r.int('UPSTREAM_TIMEOUT_MS', 15_000, 500, 300_000),
  };
  const sharedSecret = parseSecret(
    r,
    'BRIDGE_SHARED_SECRET',
    `a random string of at least ${MIN_SECRET_LENGTH} characters; the Salesforce Named Credential sends it as a bearer token`,
  );
  const upstreams = { SALESFORCE_LOGIN_URL: salesforce.loginUrl, SENDBIRD_API_URL: sendbird.apiUrl };
  const customerAuth = parseCustomerAuth(r, { sandbox, host: http.host, upstreams });
  const metricsToken = parseSecret(r, 'METRICS_TOKEN');
  const adminToken = parseSecret(r, 'ADMIN_TOKEN');
  const tickets: TicketsConfig = {
    safetyDelayMs: r.int('TICKET_SAFETY_DELAY_MS', DEFAULTS.TICKET_SAFETY_DELAY_MS, 0, 3_600_000),
    contacts: parseContacts(r),
  };
  const jobs = parseJobs(r);
  const membership = parseMembership(r);
  const transcript = parseTranscript(r);
  const history: HistoryConfig = {
    cacheTtlMs: r.int('HISTORY_CACHE_TTL_SECONDS', DEFAULTS.HISTORY_CACHE_TTL_SECONDS, 0, 3_600) * 1000,
    cacheMaxEntries: r.int('HISTORY_CACHE_MAX_ENTRIES', DEFAULTS.HISTORY_CACHE_MAX_ENTRIES, 1, 1_000_000),
  };
  const csat = parseCsat(r);
  const endChat: EndChatConfig = {
    action: r.oneOf('CUSTOMER_END_ACTION', ['close', 'mark'] as const, DEFAULTS.CUSTOMER_END_ACTION),
    closedStatus: r.raw('CUSTOMER_END_CLOSED_STATUS') ?? DEFAULTS.CUSTOMER_END_CLOSED_STATUS,
  };

  if (r.problems.length > 0) throw new ConfigError(r.problems.map((p) => `[bridge] ${p}`));

  const config: BridgeConfig = {
    sandbox,
    logLevel,
    http,
    store,
    salesforce,
    sendbird,
    upstream,
    sharedSecret,
    metricsToken,
    adminToken,
    customerAuth,
    jobs,
    tickets,
    membership,
    transcript,
    history,
    csat,
    endChat,
    warnings: r.warnings,
  };
  return sealConfig(config);
}

/** The config made safe to log (its parts with secrets print redacted) and frozen. */
function sealConfig(config: BridgeConfig): BridgeConfig {
  hideSecrets(config.store, () => redactedConfig(config).store);
  hideSecrets(config.salesforce, () => redactedConfig(config).salesforce);
  hideSecrets(config.sendbird, () => redactedConfig(config).sendbird);
  hideSecrets(config.customerAuth, () => redactedConfig(config).customerAuth);
  hideSecrets(config, () => redactedConfig(config));
  return deepFreeze(config);
}

function parseHttp(r: EnvReader): HttpConfig {
  const port = r.int('PORT', DEFAULTS.PORT, 0, 65_535);
  const host = r.raw('HOST') ?? DEFAULTS.HOST;
  const publicUrl = r.url('PUBLIC_URL', r.raw('PUBLIC_URL'), true) ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const corsOrigins = parseCorsOrigins(r);
  const rateLimitPerMinute = r.int('RATE_LIMIT_PER_MINUTE', DEFAULTS.RATE_LIMIT_PER_MINUTE, 1, 1_000_000);
  const bodyLimitBytes = r.int('BODY_LIMIT_BYTES', DEFAULTS.BODY_LIMIT_BYTES, 1_024, 100 * 1024 * 1024);
  const trustProxy = parseTrustProxy(r);
  return { port, host, publicUrl, corsOrigins, rateLimitPerMinute, bodyLimitBytes, trustProxy };
}

function parseCorsOrigins(r: EnvReader): string[] {
  const corsOrigins: string[] = [];
  for (const origin of r.list('CORS_ORIGINS')) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    // An origin is scheme://host[:port] exactly; "*" is refused on purpose (the API takes bearer tokens).
    if (!parsed || parsed.origin !== origin.replace(/\/$/, '') || !/^https?:$/.test(parsed.protocol)) {
      r.problem('CORS_ORIGINS', `entries must be origins such as https://app.example.com, comma-separated (got "${origin}")`);
    } else {
      corsOrigins.push(parsed.origin);
    }
  }
  return corsOrigins;
}

function parseSalesforce(r: EnvReader, sandbox: boolean): SalesforceConfig {
  const flows = ['client_credentials', 'jwt_bearer', 'password'] as const;
  const authFlow = r.oneOf('SALESFORCE_AUTH_FLOW', flows, DEFAULTS.SALESFORCE_AUTH_FLOW);
  const given = r.required('SALESFORCE_LOGIN_URL', "your org's My Domain URL, e.g. https://acme.my.salesforce.com") || undefined;
  const loginUrl = r.url('SALESFORCE_LOGIN_URL', given, sandbox) ?? '';
  if (authFlow === 'client_credentials' && /^https:\/\/(login|test)\.salesforce\.com$/i.test(loginUrl)) {
    // Salesforce only serves the client-credentials grant on the org's My Domain (reference/salesforce.md).
    r.warnings.push(
      'SALESFORCE_LOGIN_URL is login/test.salesforce.com; ' +
        'the client_credentials flow needs the My Domain URL (https://<domain>.my.salesforce.com)',
    );
  }
  const clientId = r.required('SALESFORCE_CLIENT_ID', 'the consumer key of the External Client App / Connected App');
  const needsSecret = authFlow !== 'jwt_bearer';
  const clientSecret = needsSecret
    ? r.required('SALESFORCE_CLIENT_SECRET', `the consumer secret (needed by the ${authFlow} flow)`)
    : r.raw('SALESFORCE_CLIENT_SECRET');
  const needsUser = authFlow !== 'client_credentials';
  const username = needsUser
    ? r.required('SALESFORCE_USERNAME', `the Salesforce username the ${authFlow} flow logs in as`)
    : r.raw('SALESFORCE_USERNAME');
  const password =
    authFlow === 'password'
      ? r.required('SALESFORCE_PASSWORD', 'the password (plus security token) of SALESFORCE_USERNAME')
      : r.raw('SALESFORCE_PASSWORD');
  if (authFlow === 'password') {
    r.warnings.push('SALESFORCE_AUTH_FLOW=password is deprecated by Salesforce and blocked in new orgs; prefer client_credentials');
  }
  const jwtPrivateKey = authFlow === 'jwt_bearer' ? parsePrivateKey(r) : undefined;
  const apiVersion = r.raw('SALESFORCE_API_VERSION') ?? DEFAULTS.SALESFORCE_API_VERSION;
  if (!/^\d{2,3}\.0$/.test(apiVersion)) r.problem('SALESFORCE_API_VERSION', `must look like 62.0 (got "${apiVersion}")`);
  const caseOrigin = r.raw('SALESFORCE_CASE_ORIGIN') ?? DEFAULTS.SALESFORCE_CASE_ORIGIN;
  return { loginUrl, authFlow, clientId, clientSecret, username, password, jwtPrivateKey, apiVersion, caseOrigin };
}

function parseSendbird(r: EnvReader, sandbox: boolean, store: StoreConfig['kind']): SendbirdConfig {
  const appId = r.required('SENDBIRD_APP_ID', 'the Application ID from the Sendbird dashboard (Settings > Application > General)');
  const apiToken = r.required('SENDBIRD_API_TOKEN', 'the master API token from the Sendbird dashboard (it also signs webhooks)');
  const apiUrl = r.url('SENDBIRD_API_URL', r.raw('SENDBIRD_API_URL'), sandbox) ?? `https://api-${appId || 'APP_ID'}.sendbird.com`;
  const previousApiTokens = r.list('SENDBIRD_PREVIOUS_API_TOKENS');
  const cappedPerSecond = r.int('SENDBIRD_CAPPED_PER_SECOND', 5, 0, 10_000);
  // Several instances share one cap only through PostgreSQL; SQLite is one process (two on one
  // file may turn it on).
  const shared = r.oneOf('SENDBIRD_SHARED_PACING', ['auto', 'true', 'false'] as const, 'auto');
  const sharedPacing = shared === 'auto' ? store === 'postgres' : shared === 'true';
  const sessionTtlSeconds = r.int('SENDBIRD_SESSION_TTL_SECONDS', DEFAULTS.SENDBIRD_SESSION_TTL_SECONDS, 60, 30 * 86_400);
  return { appId, apiToken, apiUrl, previousApiTokens, sessionTtlSeconds, cappedPerSecond, sharedPacing };
}

/**
 * A bearer secret of at least MIN_SECRET_LENGTH characters: required when `what` says what it is
 * (then '' when unset), else optional (undefined when unset).
 */
function parseSecret(r: EnvReader, name: string, what: string): string;
function parseSecret(r: EnvReader, name: string): string | undefined;
function parseSecret(r: EnvReader, name: string, what?: string): string | undefined {
  const value = what === undefined ? r.raw(name) : r.required(name, what);
  if (value && value.length < MIN_SECRET_LENGTH) {
    r.problem(name, `must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`);
  }
  return value;
}

function parseJobs(r: EnvReader): JobsConfig {
  return {
    pollMs: r.int('JOB_POLL_MS', DEFAULTS.JOB_POLL_MS, 10, 600_000),
    maxAttempts: r.int('JOB_MAX_ATTEMPTS', DEFAULTS.JOB_MAX_ATTEMPTS, 1, 1_000),
    leaseMs: r.int('JOB_LEASE_MS', DEFAULTS.JOB_LEASE_MS, 1_000, 86_400_000),
    concurrency: r.int('JOB_CONCURRENCY', DEFAULTS.JOB_CONCURRENCY, 1, 256),
  };
}

function parseTranscript(r: EnvReader): TranscriptConfig {
  const flushMs = r.int('TRANSCRIPT_FLUSH_MS', DEFAULTS.TRANSCRIPT_FLUSH_MS, 10, 600_000);
  // Unset, the slow interval is never shorter than the normal one.
  const slowFlushMs = r.int('TRANSCRIPT_SLOW_FLUSH_MS', Math.max(DEFAULTS.TRANSCRIPT_SLOW_FLUSH_MS, flushMs), 10, 3_600_000);
  if (slowFlushMs < flushMs) {
    r.problem(
      'TRANSCRIPT_SLOW_FLUSH_MS',
      `must be at least TRANSCRIPT_FLUSH_MS (${flushMs}): it is the wait while the API budget is low (got "${slowFlushMs}")`,
    );
  }
  const minBatchWaitMs = r.int('TRANSCRIPT_MIN_BATCH_WAIT_MS', DEFAULTS.TRANSCRIPT_MIN_BATCH_WAIT_MS, 0, 600_000);
  if (minBatchWaitMs > flushMs) {
    r.problem(
      'TRANSCRIPT_MIN_BATCH_WAIT_MS',
      `must be at most TRANSCRIPT_FLUSH_MS (${flushMs}): it is the shortest wait, that one the longest (got "${minBatchWaitMs}")`,
    );
  }
  return {
    mode: r.oneOf('TRANSCRIPT_MODE', ['object', 'case_comment'] as const, DEFAULTS.TRANSCRIPT_MODE),
    flushMs,
    minBatchWaitMs,
    writesInFlight: r.int('TRANSCRIPT_WRITES_IN_FLIGHT', DEFAULTS.TRANSCRIPT_WRITES_IN_FLIGHT, 1, 16),
    slowFlushMs,
    retentionDays: r.int('TRANSCRIPT_RETENTION_DAYS', DEFAULTS.TRANSCRIPT_RETENTION_DAYS, 1, 3_650),
    webhookBodyLimitBytes: r.int('SENDBIRD_WEBHOOK_BODY_LIMIT_BYTES', DEFAULTS.SENDBIRD_WEBHOOK_BODY_LIMIT_BYTES, 1_024, 100 * 1024 * 1024),
    catchupIntervalMs: r.int('TRANSCRIPT_CATCHUP_INTERVAL_MS', DEFAULTS.TRANSCRIPT_CATCHUP_INTERVAL_MS, 100, 86_400_000),
    catchupGapMs: r.int('TRANSCRIPT_CATCHUP_GAP_MS', DEFAULTS.TRANSCRIPT_CATCHUP_GAP_MS, 100, 86_400_000),
    catchupRecheck: r.int('TRANSCRIPT_CATCHUP_RECHECK', DEFAULTS.TRANSCRIPT_CATCHUP_RECHECK, 0, 200),
    catchupReadsPerSecond: r.int('TRANSCRIPT_CATCHUP_READS_PER_SECOND', DEFAULTS.TRANSCRIPT_CATCHUP_READS_PER_SECOND, 1, 100),
    budgetReserve: r.fraction('SALESFORCE_BUDGET_RESERVE', DEFAULTS.SALESFORCE_BUDGET_RESERVE, 0, 1),
    caseClosedAction: r.oneOf('CASE_CLOSED_ACTION', ['freeze', 'message'] as const, DEFAULTS.CASE_CLOSED_ACTION),
    caseClosedMessage: r.raw('CASE_CLOSED_MESSAGE') ?? DEFAULTS.CASE_CLOSED_MESSAGE,
    caseReopenedMessage: r.raw('CASE_REOPENED_MESSAGE') ?? DEFAULTS.CASE_REOPENED_MESSAGE,
    files: parseTranscriptFiles(r),
  };
}

function parseCsat(r: EnvReader): CsatConfig {
  const question = r.raw('CSAT_QUESTION') ?? DEFAULTS.CSAT_QUESTION;
  if (question.length > MAX_CSAT_QUESTION_LENGTH) {
    r.problem(
      'CSAT_QUESTION',
      `must be at most ${MAX_CSAT_QUESTION_LENGTH} characters, Sendbird's limit for an admin message (got ${question.length})`,
    );
  }
  return {
    enabled: r.oneOf('CSAT', ['on', 'off'] as const, DEFAULTS.CSAT) === 'on',
    // At least a second, so the expiry check (a few times per expiry, at most once a minute) means something.
    expiryMs: r.duration('CSAT_EXPIRY', DEFAULTS.CSAT_EXPIRY_MS, 1_000, 365 * 86_400_000),
    question,
  };
}

function parseTranscriptFiles(r: EnvReader): TranscriptFilesConfig {
  const hosts: string[] = [];
  for (const h of r.list('TRANSCRIPT_FILE_HOSTS')) {
    const host = h.toLowerCase();
    if (/^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(host)) hosts.push(host);
    else
      r.problem(
        'TRANSCRIPT_FILE_HOSTS',
        `entries must be host names such as files.example.com or .example.com, comma-separated (got "${h}")`,
      );
  }
  return {
    enabled: r.bool('TRANSCRIPT_FILES', DEFAULTS.TRANSCRIPT_FILES),
    maxBytes: r.int('TRANSCRIPT_FILE_MAX_BYTES', DEFAULTS.TRANSCRIPT_FILE_MAX_BYTES, 1, Math.floor(37.5 * 1024 * 1024)),
    timeoutMs: r.int('TRANSCRIPT_FILE_TIMEOUT_MS', DEFAULTS.TRANSCRIPT_FILE_TIMEOUT_MS, 100, 600_000),
    hosts,
  };
}

/** A custom field's API name: it is written into SOQL, so nothing but letters, digits and underscores. */
const CUSTOM_FIELD_RE = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_)){0,39}__c$/;

function parseContacts(r: EnvReader): ContactsConfig {
  const match = r.oneOf('CONTACT_MATCH', ['off', 'email', 'external_id'] as const, DEFAULTS.CONTACT_MATCH);
  const field = r.raw('CONTACT_MATCH_FIELD') ?? DEFAULTS.CONTACT_MATCH_FIELD;
  if (!CUSTOM_FIELD_RE.test(field)) {
    r.problem('CONTACT_MATCH_FIELD', `must be the API name of a custom field on Contact, e.g. Sendbird_User_Id__c (got "${field}")`);
  }
  const create = r.oneOf('CONTACT_CREATE', ['none', 'contact', 'person_account'] as const, DEFAULTS.CONTACT_CREATE);
  if (create !== 'none' && match === 'off') {
    r.problem('CONTACT_CREATE', `needs CONTACT_MATCH=email or external_id: a Contact is only created when none matches (got "${create}")`);
  }
  const recordType = r.raw('PERSON_ACCOUNT_RECORD_TYPE_ID');
  let personAccountRecordTypeId: string | undefined;
  if (recordType !== undefined) {
    if (!isSalesforceId(recordType) || !recordType.startsWith('012')) {
      r.problem('PERSON_ACCOUNT_RECORD_TYPE_ID', `must be a RecordType Id (012..., 15 or 18 characters) (got "${recordType}")`);
    } else if (create !== 'person_account') {
      r.problem('PERSON_ACCOUNT_RECORD_TYPE_ID', 'is only used with CONTACT_CREATE=person_account');
    } else personAccountRecordTypeId = to18(recordType);
  }
  const duplicates = r.oneOf('CONTACT_DUPLICATES', ['skip', 'allow_save', 'link_match'] as const, DEFAULTS.CONTACT_DUPLICATES);
  const refreshDays = r.int('CONTACT_MATCH_REFRESH_DAYS', DEFAULTS.CONTACT_MATCH_REFRESH_DAYS, 1, 3650);
  return { match, field, create, personAccountRecordTypeId, duplicates, refreshMs: refreshDays * 86_400_000 };
}

function parseMembership(r: EnvReader): MembershipConfig {
  const sweepIntervalMs = r.int('SWEEP_INTERVAL_MS', DEFAULTS.SWEEP_INTERVAL_MS, 0, 7 * 86_400_000);
  if (sweepIntervalMs > 0 && sweepIntervalMs < 1_000) {
    r.problem('SWEEP_INTERVAL_MS', `must be 0 (off) or at least 1000 (got "${sweepIntervalMs}")`);
  }
  const sweepFullIntervalMs = r.int('SWEEP_FULL_INTERVAL_MS', DEFAULTS.SWEEP_FULL_INTERVAL_MS, 0, 30 * 86_400_000);
  const nonAgentUserIds: string[] = [];
  for (const id of r.list('NON_AGENT_USER_IDS')) {
    if (isUserId(id)) nonAgentUserIds.push(to18(id));
    else r.problem('NON_AGENT_USER_IDS', `entries must be User Ids (15 or 18 characters, starting 005), comma-separated (got "${id}")`);
  }
  return {
    removePreviousAgent: r.bool('REMOVE_PREVIOUS_AGENT', DEFAULTS.REMOVE_PREVIOUS_AGENT),
    sweepIntervalMs,
    sweepFullIntervalMs,
    batchSize: r.int('RECONCILE_BATCH_SIZE', DEFAULTS.RECONCILE_BATCH_SIZE, 1, 2_000),
    nonAgentUserIds,
    caseEvents: parseCaseEvents(r),
  };
}

function parseCaseEvents(r: EnvReader): CaseEventsConfig {
  const mode = r.oneOf('CASE_EVENTS', ['apex', 'cdc'] as const, DEFAULTS.CASE_EVENTS);
  const pubsubEndpoint = r.raw('SALESFORCE_PUBSUB_ENDPOINT') ?? DEFAULT_PUBSUB_ENDPOINT;
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/.test(pubsubEndpoint)) {
    r.problem('SALESFORCE_PUBSUB_ENDPOINT', `must be host:port, e.g. ${DEFAULT_PUBSUB_ENDPOINT} (got "${pubsubEndpoint}")`);
  }
  const topic = r.raw('SALESFORCE_CDC_TOPIC') ?? CASE_CHANGE_TOPIC;
  if (!/^\/data\/[A-Za-z0-9_]+$/.test(topic)) {
    r.problem(
      'SALESFORCE_CDC_TOPIC',
      `must be a change-event channel such as /data/CaseChangeEvent or /data/My_Channel__chn (got "${topic}")`,
    );
  }
  const caFile = r.raw('SALESFORCE_PUBSUB_CA_FILE');
  let pubsubCaPem: string | undefined;
  if (caFile !== undefined) {
    try {
      pubsubCaPem = readFileSync(caFile, 'utf8');
      if (!pubsubCaPem.includes('-----BEGIN CERTIFICATE-----'))
        r.problem('SALESFORCE_PUBSUB_CA_FILE', `holds no PEM certificate (${caFile})`);
    } catch (err) {
      r.problem('SALESFORCE_PUBSUB_CA_FILE', `could not be read: ${(err as Error).message}`);
    }
  }
  return {
    mode,
    pubsubEndpoint,
    pubsubCaPem,
    topic,
    fetchSize: r.int('CDC_FETCH_SIZE', DEFAULTS.CDC_FETCH_SIZE, 1, 100),
    leaseMs: r.int('CDC_LEASE_MS', DEFAULTS.CDC_LEASE_MS, 3_000, 600_000),
  };
}

function parseTrustProxy(r: EnvReader): HttpConfig['trustProxy'] {
  const v = r.raw('TRUST_PROXY');
  if (v === undefined) return false;
  if (/^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  const list = r.list('TRUST_PROXY');
  if (list.every((s) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(s) || ['loopback', 'linklocal', 'uniquelocal'].includes(s))) return list;
  r.problem('TRUST_PROXY', `must be true, false, a hop count, or a comma list of proxy IPs/CIDRs (got "${v}")`);
  return false;
}

function parseStore(r: EnvReader, dataDir: string): StoreConfig {
  const sqlite = {
    synchronous: r.oneOf('SQLITE_SYNCHRONOUS', ['NORMAL', 'FULL'] as const, 'NORMAL'),
    groupCommit: r.bool('SQLITE_GROUP_COMMIT', true),
  };
  const url = r.raw('DATABASE_URL');
  if (url === undefined) return { kind: 'sqlite', dataDir, file: resolve(dataDir, 'bridge.sqlite'), ...sqlite };
  if (/^postgres(ql)?:\/\//i.test(url)) {
    return parsePostgres(r, url, dataDir) ?? { kind: 'sqlite', dataDir, file: resolve(dataDir, 'bridge.sqlite'), ...sqlite };
  } else if (/^sqlite:/i.test(url)) {
    const path = url.replace(/^sqlite:(\/\/)?/i, '');
    if (path === '' || path === ':memory:') {
      r.problem(
        'DATABASE_URL',
        'must name a SQLite file, e.g. sqlite:./data/bridge.sqlite (an in-memory database would lose the job queue)',
      );
    } else {
      return { kind: 'sqlite', dataDir, file: resolve(path), ...sqlite };
    }
  } else {
    r.problem('DATABASE_URL', 'must be postgres://user:password@host:5432/database, sqlite:<file>, or unset for <DATA_DIR>/bridge.sqlite');
  }
  return { kind: 'sqlite', dataDir, file: resolve(dataDir, 'bridge.sqlite'), ...sqlite };
}

/** Schema names the store creates and puts in `search_path`: plain lower-case identifiers. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function parsePostgres(r: EnvReader, url: string, dataDir: string): PostgresStoreConfig | undefined {
  const poolSize = r.int('DATABASE_POOL_SIZE', DEFAULTS.DATABASE_POOL_SIZE, 1, 1_000);
  const schema = r.raw('DATABASE_SCHEMA');
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    r.problem('DATABASE_SCHEMA', `must be a lower-case identifier (letters, digits and _, not starting with a digit), got "${schema}"`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo the value: it may hold the password.
    r.problem(
      'DATABASE_URL',
      'is not a valid URL: postgres://user:password@host:5432/database (percent-encode special characters in the password)',
    );
    return undefined;
  }
  if (parsed.hostname === '' || parsed.pathname.replace(/^\//, '') === '') {
    r.problem('DATABASE_URL', 'must name a host and a database: postgres://user:password@host:5432/database');
    return undefined;
  }
  if (!isLoopback(parsed.hostname) && !/[?&]sslmode=(require|verify-ca|verify-full)\b/.test(url)) {
    r.warnings.push(
      'DATABASE_URL points at a remote PostgreSQL without sslmode=require (or verify-full): ' +
        'the connection, and its password, are not encrypted',
    );
  }
  return { kind: 'postgres', dataDir, url, schema, poolSize };
}

/** The password in a database URL (decoded), if any: a secret for the log scrubber. */
function urlPassword(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p === '' ? undefined : decodeURIComponent(p);
  } catch {
    return undefined;
  }
}

/** The URL with its password replaced by [REDACTED], safe to log. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = REDACTED;
    return u.toString();
  } catch {
    return REDACTED;
  }
}

function parsePrivateKey(r: EnvReader): string | undefined {
  const inline = r.raw('SALESFORCE_JWT_PRIVATE_KEY');
  const file = r.raw('SALESFORCE_JWT_PRIVATE_KEY_FILE');
  if (inline && file) {
    r.problem('SALESFORCE_JWT_PRIVATE_KEY', 'and SALESFORCE_JWT_PRIVATE_KEY_FILE are both set: set only one');
    return undefined;
  }
  let pem: string | undefined;
  let source = 'SALESFORCE_JWT_PRIVATE_KEY';
  if (file) {
    source = 'SALESFORCE_JWT_PRIVATE_KEY_FILE';
    try {
      pem = readFileSync(file, 'utf8');
    } catch (err) {
      r.problem(source, `names a file that cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${file}`);
      return undefined;
    }
  } else if (inline) {
    // Environments that cannot hold newlines often carry PEMs with literal "\n".
    pem = inline.replace(/\\n/g, '\n');
  } else {
    r.problem(
      'SALESFORCE_JWT_PRIVATE_KEY',
      'or SALESFORCE_JWT_PRIVATE_KEY_FILE is required by the jwt_bearer flow: ' +
        'the PEM private key whose certificate is on the connected app',
    );
    return undefined;
  }
  try {
    createPrivateKey(pem);
  } catch {
    // Never echo the value: it is a private key.
    r.problem(source, 'is not a valid PEM private key');
    return undefined;
  }
  return pem;
}

/** The value of ALLOW_GUEST_CUSTOMERS that turns guest mode on outside the sandbox's loopback setup. */
export const GUEST_OVERRIDE = 'i-understand-anyone-can-open-tickets';

/** A HOST to listen on that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return isLoopback(host.replace(/^\[(.*)\]$/, '$1'));
}

/**
 * Guest mode lets anyone open tickets, get session tokens and read tickets as anyone, so it is
 * only allowed where nobody else can reach the bridge and nothing real is behind it: HOST on
 * loopback, and either SANDBOX=true with every upstream URL on loopback (the sandbox's
 * emulators), or ALLOW_GUEST_CUSTOMERS set to GUEST_OVERRIDE (logged as a warning at every start).
 */
function parseGuest(r: EnvReader, where: GuestContext): CustomerAuthConfig {
  const override = r.raw('ALLOW_GUEST_CUSTOMERS');
  const overridden = override === GUEST_OVERRIDE;
  if (override !== undefined && !overridden) {
    r.problem(
      'ALLOW_GUEST_CUSTOMERS',
      `must be exactly ${GUEST_OVERRIDE} to allow guest customers outside the sandbox, or unset (got "${override}")`,
    );
  }
  const risk = 'CUSTOMER_AUTH_MODE=guest lets anyone open tickets, get session tokens and read tickets as anyone';
  if (!isLoopbackHost(where.host)) {
    r.problem(
      'HOST',
      `must be a loopback address (127.0.0.1, ::1 or localhost) with guest customers, even with ALLOW_GUEST_CUSTOMERS ` +
        `(got "${where.host}"): ${risk}; ` +
        'to serve other machines set CUSTOMER_AUTH_MODE=jwt with CUSTOMER_JWT_SECRET or CUSTOMER_JWT_PUBLIC_KEY',
    );
  }
  if (overridden) {
    r.warnings.push(`ALLOW_GUEST_CUSTOMERS=${GUEST_OVERRIDE}: ${risk}. Use CUSTOMER_AUTH_MODE=jwt for real customers`);
    return { mode: 'guest', allowedBy: 'override' };
  }
  const remote = Object.entries(where.upstreams).filter(([, url]) => url !== '' && !isLoopbackUrl(url));
  if (!where.sandbox || remote.length > 0) {
    const why = !where.sandbox ? 'SANDBOX is not true' : remote.map(([name, url]) => `${name} is ${url}`).join(', ');
    r.problem(
      'CUSTOMER_AUTH_MODE',
      'guest is only allowed with SANDBOX=true against the emulators on this machine ' +
        `(SALESFORCE_LOGIN_URL and SENDBIRD_API_URL on loopback), but ${why}: ${risk}. ` +
        `Set CUSTOMER_AUTH_MODE=jwt (or sendbird_token), or accept the risk with ALLOW_GUEST_CUSTOMERS=${GUEST_OVERRIDE}`,
    );
  }
  return { mode: 'guest', allowedBy: 'loopback' };
}

function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopback(new URL(url).hostname);
  } catch {
    return false;
  }
}

interface GuestContext {
  sandbox: boolean;
  host: string;
  /** Every upstream URL by the setting that names it ('' = invalid, reported elsewhere). */
  upstreams: Record<string, string>;
}

function parseCustomerAuth(r: EnvReader, where: GuestContext): CustomerAuthConfig {
  const mode = r.oneOf('CUSTOMER_AUTH_MODE', ['jwt', 'sendbird_token', 'guest'] as const, DEFAULTS.CUSTOMER_AUTH_MODE);
  if (mode === 'guest') return parseGuest(r, where);
  if (r.raw('ALLOW_GUEST_CUSTOMERS') !== undefined) {
    r.warnings.push(`ALLOW_GUEST_CUSTOMERS has no effect: CUSTOMER_AUTH_MODE is ${mode}, not guest`);
  }
  if (mode === 'sendbird_token') return { mode };
  const jwtSecret = r.raw('CUSTOMER_JWT_SECRET');
  let jwtPublicKey = r.raw('CUSTOMER_JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n');
  if (jwtSecret && jwtPublicKey) {
    r.problem('CUSTOMER_JWT_SECRET', 'and CUSTOMER_JWT_PUBLIC_KEY are both set: set only one (HS256 secret or RS256 public key)');
  } else if (!jwtSecret && !jwtPublicKey) {
    r.problem(
      'CUSTOMER_JWT_SECRET',
      'or CUSTOMER_JWT_PUBLIC_KEY is required when CUSTOMER_AUTH_MODE=jwt: ' +
        'the HS256 secret or RS256 public key (PEM) your backend signs customer tokens with',
    );
  } else if (jwtSecret && jwtSecret.length < MIN_SECRET_LENGTH) {
    r.problem('CUSTOMER_JWT_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters`);
  } else if (jwtPublicKey) {
    try {
      createPublicKey(jwtPublicKey);
    } catch {
      r.problem('CUSTOMER_JWT_PUBLIC_KEY', 'is not a valid PEM public key');
      jwtPublicKey = undefined;
    }
  }
  return { mode, jwtSecret, jwtPublicKey, issuer: r.raw('CUSTOMER_JWT_ISSUER'), audience: r.raw('CUSTOMER_JWT_AUDIENCE') };
}

const mask = (v: string | undefined): string | undefined => (v === undefined ? undefined : REDACTED);

/** The config with every secret replaced by `[REDACTED]`, safe to log. */
export function redactedConfig(config: BridgeConfig) {
  const { salesforce: sf, sendbird: sb, customerAuth: ca } = config;
  return {
    sandbox: config.sandbox,
    logLevel: config.logLevel,
    http: {
      ...config.http,
      corsOrigins: [...config.http.corsOrigins],
      trustProxy: Array.isArray(config.http.trustProxy) ? [...config.http.trustProxy] : config.http.trustProxy,
    },
    store: config.store.kind === 'postgres' ? { ...config.store, url: redactDatabaseUrl(config.store.url) } : { ...config.store },
    salesforce: { ...sf, clientSecret: mask(sf.clientSecret), password: mask(sf.password), jwtPrivateKey: mask(sf.jwtPrivateKey) },
    sendbird: { ...sb, apiToken: REDACTED, previousApiTokens: sb.previousApiTokens.map(() => REDACTED) },
    upstream: { ...config.upstream },
    sharedSecret: REDACTED,
    metricsToken: mask(config.metricsToken),
    adminToken: mask(config.adminToken),
    customerAuth: ca.mode === 'jwt' ? { ...ca, jwtSecret: mask(ca.jwtSecret) } : { ...ca },
    jobs: { ...config.jobs },
    tickets: { ...config.tickets, contacts: { ...config.tickets.contacts } },
    membership: { ...config.membership, nonAgentUserIds: [...config.membership.nonAgentUserIds] },
    transcript: { ...config.transcript, files: { ...config.transcript.files, hosts: [...config.transcript.files.hosts] } },
    csat: { ...config.csat },
    endChat: { ...config.endChat },
    warnings: [...config.warnings],
  };
}

/** Every secret value in the config, for the log scrubber (see logger.ts). */
export function configSecrets(config: BridgeConfig): string[] {
  const { salesforce: sf, sendbird: sb, customerAuth: ca } = config;
  const dbPassword = config.store.kind === 'postgres' ? urlPassword(config.store.url) : undefined;
  const values = [
    sf.clientSecret,
    sf.password,
    sf.jwtPrivateKey,
    sb.apiToken,
    ...sb.previousApiTokens,
    config.sharedSecret,
    ca.mode === 'jwt' ? ca.jwtSecret : undefined,
    dbPassword,
    config.metricsToken,
    config.adminToken,
  ];
  return values.filter((v): v is string => typeof v === 'string' && v !== '');
}

function hideSecrets(target: object, view: () => unknown): void {
  const text = () => JSON.stringify(view());
  Object.defineProperties(target, {
    toJSON: { value: view, enumerable: false },
    toString: { value: text, enumerable: false },
    [inspect.custom]: { value: () => view(), enumerable: false },
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
