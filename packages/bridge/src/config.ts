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

export interface StoreConfig {
  kind: 'sqlite';
  dataDir: string;
  /** The SQLite file (`<DATA_DIR>/bridge.sqlite` unless DATABASE_URL names another). */
  file: string;
}

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
}

export type CustomerAuthConfig =
  | { mode: 'jwt'; jwtSecret: string | undefined; jwtPublicKey: string | undefined; issuer: string | undefined; audience: string | undefined }
  | { mode: 'sendbird_token' }
  | { mode: 'guest' };

export interface TicketsConfig {
  /** When the job that finishes a ticket becomes due if the request path has not finished it. */
  safetyDelayMs: number;
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
  /** Bearer secret the Salesforce Named Credential sends (and the agent-session Apex). */
  sharedSecret: string;
  customerAuth: CustomerAuthConfig;
  jobs: JobsConfig;
  tickets: TicketsConfig;
  /** Settings that are valid but probably not what was meant; main.ts logs them at start-up. */
  warnings: readonly string[];
}

/** Every problem found, one per line, each naming the variable to set. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`[bridge] invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

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
} as const;

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
  const sandbox = r.bool('SANDBOX', false);

  // --- HTTP -------------------------------------------------------------------------------
  const port = r.int('PORT', DEFAULTS.PORT, 0, 65_535);
  const host = r.raw('HOST') ?? DEFAULTS.HOST;
  const publicUrl = r.url('PUBLIC_URL', r.raw('PUBLIC_URL'), true) ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
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
  const rateLimitPerMinute = r.int('RATE_LIMIT_PER_MINUTE', DEFAULTS.RATE_LIMIT_PER_MINUTE, 1, 1_000_000);
  const bodyLimitBytes = r.int('BODY_LIMIT_BYTES', DEFAULTS.BODY_LIMIT_BYTES, 1_024, 100 * 1024 * 1024);
  const trustProxy = parseTrustProxy(r);

  // --- logging and store ------------------------------------------------------------------
  const logLevel = r.oneOf('LOG_LEVEL', LOG_LEVELS, DEFAULTS.LOG_LEVEL);
  const dataDir = resolve(r.raw('DATA_DIR') ?? DEFAULTS.DATA_DIR);
  const store = parseStore(r, dataDir);

  // --- Salesforce -------------------------------------------------------------------------
  const authFlow = r.oneOf('SALESFORCE_AUTH_FLOW', ['client_credentials', 'jwt_bearer', 'password'] as const, DEFAULTS.SALESFORCE_AUTH_FLOW);
  const loginUrl =
    r.url('SALESFORCE_LOGIN_URL', r.required('SALESFORCE_LOGIN_URL', "your org's My Domain URL, e.g. https://acme.my.salesforce.com") || undefined, sandbox) ?? '';
  if (authFlow === 'client_credentials' && /^https:\/\/(login|test)\.salesforce\.com$/i.test(loginUrl)) {
    // Salesforce only serves the client-credentials grant on the org's My Domain (reference/salesforce.md).
    r.warnings.push('SALESFORCE_LOGIN_URL is login/test.salesforce.com; the client_credentials flow needs the My Domain URL (https://<domain>.my.salesforce.com)');
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
  const password = authFlow === 'password' ? r.required('SALESFORCE_PASSWORD', 'the password (plus security token) of SALESFORCE_USERNAME') : r.raw('SALESFORCE_PASSWORD');
  if (authFlow === 'password') {
    r.warnings.push('SALESFORCE_AUTH_FLOW=password is deprecated by Salesforce and blocked in new orgs; prefer client_credentials');
  }
  const jwtPrivateKey = authFlow === 'jwt_bearer' ? parsePrivateKey(r) : undefined;
  const apiVersion = r.raw('SALESFORCE_API_VERSION') ?? DEFAULTS.SALESFORCE_API_VERSION;
  if (!/^\d{2,3}\.0$/.test(apiVersion)) r.problem('SALESFORCE_API_VERSION', `must look like 62.0 (got "${apiVersion}")`);
  const caseOrigin = r.raw('SALESFORCE_CASE_ORIGIN') ?? DEFAULTS.SALESFORCE_CASE_ORIGIN;

  // --- Sendbird ---------------------------------------------------------------------------
  const appId = r.required('SENDBIRD_APP_ID', 'the Application ID from the Sendbird dashboard (Settings > Application > General)');
  const apiToken = r.required('SENDBIRD_API_TOKEN', 'the master API token from the Sendbird dashboard (it also signs webhooks)');
  const apiUrl = r.url('SENDBIRD_API_URL', r.raw('SENDBIRD_API_URL'), sandbox) ?? `https://api-${appId || 'APP_ID'}.sendbird.com`;
  const previousApiTokens = r.list('SENDBIRD_PREVIOUS_API_TOKENS');
  const cappedPerSecond = r.int('SENDBIRD_CAPPED_PER_SECOND', 5, 0, 10_000);
  const sessionTtlSeconds = r.int('SENDBIRD_SESSION_TTL_SECONDS', DEFAULTS.SENDBIRD_SESSION_TTL_SECONDS, 60, 30 * 86_400);

  // --- shared secret and customer identity -------------------------------------------------
  const sharedSecret = r.required('BRIDGE_SHARED_SECRET', `a random string of at least ${MIN_SECRET_LENGTH} characters; the Salesforce Named Credential sends it as a bearer token`);
  if (sharedSecret && sharedSecret.length < MIN_SECRET_LENGTH) {
    r.problem('BRIDGE_SHARED_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`);
  }
  const customerAuth = parseCustomerAuth(r, sandbox);

  // --- jobs -------------------------------------------------------------------------------
  const tickets: TicketsConfig = { safetyDelayMs: r.int('TICKET_SAFETY_DELAY_MS', DEFAULTS.TICKET_SAFETY_DELAY_MS, 0, 3_600_000) };
  const jobs: JobsConfig = {
    pollMs: r.int('JOB_POLL_MS', DEFAULTS.JOB_POLL_MS, 10, 600_000),
    maxAttempts: r.int('JOB_MAX_ATTEMPTS', DEFAULTS.JOB_MAX_ATTEMPTS, 1, 1_000),
    leaseMs: r.int('JOB_LEASE_MS', DEFAULTS.JOB_LEASE_MS, 1_000, 86_400_000),
    concurrency: r.int('JOB_CONCURRENCY', DEFAULTS.JOB_CONCURRENCY, 1, 256),
  };

  if (r.problems.length > 0) throw new ConfigError(r.problems.map((p) => `[bridge] ${p}`));

  const salesforce: SalesforceConfig = { loginUrl, authFlow, clientId, clientSecret, username, password, jwtPrivateKey, apiVersion, caseOrigin };
  const sendbird: SendbirdConfig = { appId, apiToken, apiUrl, previousApiTokens, sessionTtlSeconds, cappedPerSecond };
  const config: BridgeConfig = {
    sandbox,
    logLevel,
    http: { port, host, publicUrl, corsOrigins, rateLimitPerMinute, bodyLimitBytes, trustProxy },
    store,
    salesforce,
    sendbird,
    sharedSecret,
    customerAuth,
    jobs,
    tickets,
    warnings: r.warnings,
  };
  hideSecrets(salesforce, () => redactedConfig(config).salesforce);
  hideSecrets(sendbird, () => redactedConfig(config).sendbird);
  hideSecrets(customerAuth, () => redactedConfig(config).customerAuth);
  hideSecrets(config, () => redactedConfig(config));
  return deepFreeze(config);
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
  const url = r.raw('DATABASE_URL');
  if (url === undefined) return { kind: 'sqlite', dataDir, file: resolve(dataDir, 'bridge.sqlite') };
  if (/^postgres(ql)?:\/\//i.test(url)) {
    r.problem('DATABASE_URL', 'is a PostgreSQL URL: PostgreSQL is not supported yet; unset DATABASE_URL to use SQLite under DATA_DIR');
  } else if (/^sqlite:/i.test(url)) {
    const path = url.replace(/^sqlite:(\/\/)?/i, '');
    if (path === '' || path === ':memory:') r.problem('DATABASE_URL', 'must name a SQLite file, e.g. sqlite:./data/bridge.sqlite (an in-memory database would lose the job queue)');
    else return { kind: 'sqlite', dataDir, file: resolve(path) };
  } else {
    r.problem('DATABASE_URL', 'must be sqlite:<file> (or unset for <DATA_DIR>/bridge.sqlite)');
  }
  return { kind: 'sqlite', dataDir, file: resolve(dataDir, 'bridge.sqlite') };
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
    r.problem('SALESFORCE_JWT_PRIVATE_KEY', 'or SALESFORCE_JWT_PRIVATE_KEY_FILE is required by the jwt_bearer flow: the PEM private key whose certificate is on the connected app');
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

function parseCustomerAuth(r: EnvReader, sandbox: boolean): CustomerAuthConfig {
  const mode = r.oneOf('CUSTOMER_AUTH_MODE', ['jwt', 'sendbird_token', 'guest'] as const, DEFAULTS.CUSTOMER_AUTH_MODE);
  if (mode === 'guest') {
    if (!sandbox) r.problem('CUSTOMER_AUTH_MODE', 'guest lets anyone open tickets as anyone: it is only allowed with SANDBOX=true; use jwt or sendbird_token');
    return { mode };
  }
  if (mode === 'sendbird_token') return { mode };
  const jwtSecret = r.raw('CUSTOMER_JWT_SECRET');
  let jwtPublicKey = r.raw('CUSTOMER_JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n');
  if (jwtSecret && jwtPublicKey) {
    r.problem('CUSTOMER_JWT_SECRET', 'and CUSTOMER_JWT_PUBLIC_KEY are both set: set only one (HS256 secret or RS256 public key)');
  } else if (!jwtSecret && !jwtPublicKey) {
    r.problem('CUSTOMER_JWT_SECRET', 'or CUSTOMER_JWT_PUBLIC_KEY is required when CUSTOMER_AUTH_MODE=jwt: the HS256 secret or RS256 public key (PEM) your backend signs customer tokens with');
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
    http: { ...config.http, corsOrigins: [...config.http.corsOrigins], trustProxy: Array.isArray(config.http.trustProxy) ? [...config.http.trustProxy] : config.http.trustProxy },
    store: { ...config.store },
    salesforce: { ...sf, clientSecret: mask(sf.clientSecret), password: mask(sf.password), jwtPrivateKey: mask(sf.jwtPrivateKey) },
    sendbird: { ...sb, apiToken: REDACTED, previousApiTokens: sb.previousApiTokens.map(() => REDACTED) },
    sharedSecret: REDACTED,
    customerAuth: ca.mode === 'jwt' ? { ...ca, jwtSecret: mask(ca.jwtSecret) } : { ...ca },
    jobs: { ...config.jobs },
    tickets: { ...config.tickets },
    warnings: [...config.warnings],
  };
}

/** Every secret value in the config, for the log scrubber (see logger.ts). */
export function configSecrets(config: BridgeConfig): string[] {
  const { salesforce: sf, sendbird: sb, customerAuth: ca } = config;
  const values = [sf.clientSecret, sf.password, sf.jwtPrivateKey, sb.apiToken, ...sb.previousApiTokens, config.sharedSecret, ca.mode === 'jwt' ? ca.jwtSecret : undefined];
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
