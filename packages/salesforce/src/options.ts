/** Client options, their defaults, and the validation that runs once at construction. */
import { createPrivateKey } from 'node:crypto';

/** OAuth 2.0 client credentials flow: the recommended server-to-server flow (runs as the app's "Run As" user). */
export interface ClientCredentialsAuth {
  kind: 'client_credentials';
  clientId: string;
  clientSecret: string;
}

/** OAuth 2.0 JWT bearer flow: an RS256 assertion signed with the key whose certificate the app holds. */
export interface JwtBearerAuth {
  kind: 'jwt_bearer';
  clientId: string;
  username: string;
  /** PEM private key (PKCS#8 or PKCS#1). */
  privateKey: string;
  /** JWT `aud`; default https://login.salesforce.com (use https://test.salesforce.com for sandboxes). */
  audience?: string;
}

/** Legacy username-password flow, as in the original tutorial. Blocked by default in new orgs. */
export interface PasswordAuth {
  kind: 'password';
  clientId: string;
  clientSecret: string;
  username: string;
  /** The password with the user's security token appended. */
  password: string;
}

export type SalesforceAuth = ClientCredentialsAuth | JwtBearerAuth | PasswordAuth;

export interface SalesforceLogger {
  warn(msg: string, meta?: object): void;
  info?(msg: string, meta?: object): void;
}

export interface RetryOptions {
  /** Total tries including the first. Default 3. */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface SalesforceClientOptions {
  /** Where the token endpoint lives: the org's My Domain URL (or login/test.salesforce.com). */
  loginUrl: string;
  /** Overrides the `instance_url` of the token response (e.g. behind a proxy). */
  instanceUrl?: string;
  /** REST API version, default '62.0'. */
  apiVersion?: string;
  auth: SalesforceAuth;
  fetch?: typeof fetch;
  /** Per-request timeout in ms, default 30000. */
  timeoutMs?: number;
  retry?: RetryOptions;
  logger?: SalesforceLogger;
  /** Clock in ms, for JWT expiry; default Date.now. */
  now?: () => number;
}

export const DEFAULT_API_VERSION = '62.0';
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_JWT_AUDIENCE = 'https://login.salesforce.com';

function fail(msg: string): never {
  throw new TypeError(`[salesforce] ${msg}`);
}

function requireString(obj: Record<string, unknown>, key: string, where: string): void {
  const v = obj[key];
  if (typeof v !== 'string' || v.trim() === '') fail(`${where}.${key} is required and must be a non-empty string`);
}

function requireUrl(value: unknown, name: string): void {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    fail(`${name} must be an absolute URL such as https://MyDomain.my.salesforce.com (got ${JSON.stringify(value)})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(`${name} must use https (or http for a local emulator)`);
}

function positive(value: unknown, name: string): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    fail(`${name} must be a positive number`);
  }
}

/** Throws a TypeError naming the first problem; never echoes secret values. */
export function validateOptions(options: SalesforceClientOptions): void {
  if (!options || typeof options !== 'object') fail('options are required');
  if (options.loginUrl === undefined) fail('loginUrl is required (the org My Domain URL, e.g. https://acme.my.salesforce.com)');
  requireUrl(options.loginUrl, 'loginUrl');
  if (options.instanceUrl !== undefined) requireUrl(options.instanceUrl, 'instanceUrl');
  if (options.apiVersion !== undefined) {
    const m = /^(\d+)\.0$/.exec(options.apiVersion);
    if (!m || Number(m[1]) < 31) fail(`apiVersion must look like '62.0' (31.0 or later), got ${JSON.stringify(options.apiVersion)}`);
  }
  positive(options.timeoutMs, 'timeoutMs');
  positive(options.retry?.maxAttempts, 'retry.maxAttempts');
  positive(options.retry?.initialDelayMs, 'retry.initialDelayMs');
  positive(options.retry?.maxDelayMs, 'retry.maxDelayMs');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') fail('fetch must be a function');
  const auth = options.auth as unknown as Record<string, unknown> | undefined;
  if (!auth || typeof auth !== 'object') {
    fail("auth is required, e.g. { kind: 'client_credentials', clientId, clientSecret }");
  }
  switch (auth.kind) {
    case 'client_credentials':
      requireString(auth, 'clientId', 'auth');
      requireString(auth, 'clientSecret', 'auth');
      break;
    case 'jwt_bearer':
      requireString(auth, 'clientId', 'auth');
      requireString(auth, 'username', 'auth');
      requireString(auth, 'privateKey', 'auth');
      try {
        createPrivateKey(String(auth.privateKey));
      } catch {
        fail('auth.privateKey is not a readable PEM private key (expected -----BEGIN PRIVATE KEY----- ...)');
      }
      if (auth.audience !== undefined) requireUrl(auth.audience, 'auth.audience');
      break;
    case 'password':
      for (const k of ['clientId', 'clientSecret', 'username', 'password']) requireString(auth, k, 'auth');
      break;
    default:
      fail(`auth.kind must be 'client_credentials', 'jwt_bearer' or 'password' (got ${JSON.stringify(auth.kind)})`);
  }
}
