/** Options of `SendbirdClient`, validated once at construction with actionable messages. */
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import { DEFAULT_CAPPED_PER_SECOND, type LimiterOptions } from './limiter.js';

/** Matches pino's and console-like loggers; the client never logs tokens or bodies. */
export interface SendbirdLogger {
  debug?(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
}

export interface SendbirdClientOptions {
  /** Sendbird application id (Dashboard > Settings > Application > General). */
  appId: string;
  /** Master or secondary API token. Never logged. */
  apiToken: string;
  /** Default `https://api-{appId}.sendbird.com`; point it at the emulator in tests. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Per attempt. Default 15 000 ms. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Pacing of the rate-capped endpoints (scheduler.ts): calls per second to each, or off; shared with other processes or not. */
  limiter?: LimiterOptions;
  /** Clock for the pacing (ms). Default `Date.now`. */
  now?: () => number;
  /** How the client waits (pacing and retries). Injected by tests with a fake clock. */
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter, 0..1. */
  random?: () => number;
  logger?: SendbirdLogger;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

export interface ResolvedOptions {
  appId: string;
  apiToken: string;
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
  retry: RetryPolicy;
  limiter: Required<Omit<LimiterOptions, 'shared'>> & Pick<LimiterOptions, 'shared'>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  logger: SendbirdLogger;
}

const APP_ID = /^[A-Za-z0-9-]+$/;

function fail(msg: string): never {
  throw new Error(`[sendbird] ${msg}`);
}

function positiveInt(name: string, v: number | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < min) fail(`${name} must be an integer >= ${min} (got ${String(v)})`);
  return v;
}

export function resolveOptions(opts: SendbirdClientOptions): ResolvedOptions {
  if (!opts || typeof opts !== 'object') fail('options are required: new SendbirdClient({ appId, apiToken })');
  if (typeof opts.appId !== 'string' || opts.appId.trim() === '') {
    fail('appId is required (the application id shown in the Sendbird dashboard)');
  }
  if (!APP_ID.test(opts.appId)) fail('appId may only hold letters, digits and dashes (it becomes part of the host name)');
  if (typeof opts.apiToken !== 'string' || opts.apiToken.trim() === '') {
    fail('apiToken is required (a master or secondary API token of the app)');
  }
  let baseUrl = opts.baseUrl ?? `https://api-${opts.appId}.sendbird.com`;
  try {
    const u = new URL(baseUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol');
  } catch {
    fail(`baseUrl must be an absolute http(s) URL (got ${JSON.stringify(opts.baseUrl)})`);
  }
  baseUrl = baseUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') fail('fetch is not available: pass options.fetch or use Node 18+');
  const perSecond = opts.limiter?.perSecond ?? DEFAULT_CAPPED_PER_SECOND;
  if (!(typeof perSecond === 'number' && perSecond > 0 && Number.isFinite(perSecond))) {
    fail(`limiter.perSecond must be a positive number (got ${String(opts.limiter?.perSecond)})`);
  }
  const retry: RetryPolicy = {
    maxAttempts: positiveInt('retry.maxAttempts', opts.retry?.maxAttempts, DEFAULT_RETRY_POLICY.maxAttempts),
    initialDelayMs: positiveInt('retry.initialDelayMs', opts.retry?.initialDelayMs, DEFAULT_RETRY_POLICY.initialDelayMs, 0),
    maxDelayMs: positiveInt('retry.maxDelayMs', opts.retry?.maxDelayMs, DEFAULT_RETRY_POLICY.maxDelayMs, 0),
  };
  return {
    appId: opts.appId,
    apiToken: opts.apiToken,
    baseUrl,
    fetch: fetchImpl,
    timeoutMs: positiveInt('timeoutMs', opts.timeoutMs, DEFAULT_TIMEOUT_MS),
    retry,
    limiter: { perSecond, enabled: opts.limiter?.enabled ?? true, ...(opts.limiter?.shared ? { shared: opts.limiter.shared } : {}) },
    now: opts.now ?? Date.now,
    sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    random: opts.random ?? Math.random,
    logger: opts.logger ?? {},
  };
}
