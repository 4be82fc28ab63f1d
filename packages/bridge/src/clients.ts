/**
 * Builds the Salesforce and Sendbird clients from the validated config (one of each per process).
 * Their `fetch` is wrapped (`learningFetch`) so that every credential they send or receive is in
 * the process's secret registry before any log line or error could carry it.
 */
import { SalesforceClient, type SalesforceAuth } from '@sbsf/salesforce';
import { SendbirdClient } from '@sbsf/sendbird';
import type { BridgeConfig } from './config.js';
import type { Logger } from './logger.js';
import { sharedSlots } from './pacing/shared-slots.js';
import type { SecretPool, SecretScrubber } from './secrets.js';
import type { Store } from './store/types.js';
import { createUpstreamFetch } from './upstream-fetch.js';

export interface Clients {
  salesforce: SalesforceClient;
  sendbird: SendbirdClient;
  /** Closes the upstream connection pool. */
  close?(): Promise<void>;
}

export function salesforceAuth(c: BridgeConfig['salesforce']): SalesforceAuth {
  switch (c.authFlow) {
    case 'jwt_bearer':
      return { kind: 'jwt_bearer', clientId: c.clientId, username: c.username ?? '', privateKey: c.jwtPrivateKey ?? '' };
    case 'password':
      return {
        kind: 'password',
        clientId: c.clientId,
        clientSecret: c.clientSecret ?? '',
        username: c.username ?? '',
        password: c.password ?? '',
      };
    default:
      return { kind: 'client_credentials', clientId: c.clientId, clientSecret: c.clientSecret ?? '' };
  }
}

/** An answer field holding a credential: `"access_token":"..."`, `"session_token":"..."`, `"token":"..."`. */
const TOKEN_FIELD = /"(access_token|refresh_token|id_token|session_token|token)"\s*:\s*"((?:[^"\\]|\\.)+)"/g;
/** Sendbird's `expires_at` beside a token, in ms (or seconds, from other sources). */
const EXPIRES_AT = /"expires_at"\s*:\s*(\d+)/;

/** The credentials in an upstream answer, with the expiry the answer gives (one `expires_at` at most). */
export function tokensInAnswer(path: string, text: string): { tokens: string[]; expiresAt: number | undefined } {
  if (!text.includes('token"')) return { tokens: [], expiresAt: undefined };
  const tokens: string[] = [];
  // A bare "token" is a credential only on the endpoints that issue one (Sendbird's /users/{id}/token,
  // Salesforce's /services/oauth2/token); elsewhere it is, e.g., a page cursor.
  const bareToken = path.endsWith('/token');
  for (const m of text.matchAll(TOKEN_FIELD)) {
    if (m[1] === 'token' && !bareToken) continue;
    try {
      tokens.push(JSON.parse(`"${m[2]}"`) as string);
    } catch {
      tokens.push(m[2]!);
    }
  }
  const found = [...text.matchAll(new RegExp(EXPIRES_AT.source, 'g'))];
  const raw = found.length === 1 ? Number(found[0]![1]) : undefined;
  return { tokens, expiresAt: raw === undefined || raw === 0 ? undefined : raw < 1e12 ? raw * 1000 : raw };
}

/**
 * `fetch` that learns every credential on the way: the bearer token of each request and the JWT
 * assertion of a token request (Salesforce), and every token in an answer (Salesforce access
 * tokens, Sendbird session and access tokens). With `loopbackOnly`, it refuses any origin that is
 * not on this machine (guest customers are allowed only against the sandbox's emulators, and the
 * Salesforce instance URL only arrives at run time, in the token answer).
 */
export function learningFetch(inner: typeof fetch, secrets: SecretScrubber, opts: { loopbackOnly?: boolean } = {}): typeof fetch {
  const learningFetchImpl = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (opts.loopbackOnly && !isLoopbackHostname(url.hostname)) {
      throw new Error(
        `[bridge] guest customers are allowed only against upstreams on this machine, and ${url.origin} is not: ` +
          'set CUSTOMER_AUTH_MODE=jwt (or ALLOW_GUEST_CUSTOMERS to accept the risk)',
      );
    }
    const headers = (init.headers ?? {}) as Record<string, string>;
    const auth = headers.Authorization ?? headers.authorization;
    if (typeof auth === 'string' && auth.startsWith('Bearer ')) secrets.learn(auth.slice(7), { pool: 'upstream' });
    if (url.pathname.endsWith('/oauth2/token') && typeof init.body === 'string') {
      secrets.learn(new URLSearchParams(init.body).get('assertion') ?? undefined, {
        pool: 'upstream',
        expiresAt: Date.now() + 10 * 60_000,
      });
    }
    const res = await inner(input, init);
    const text = await res.text();
    const { tokens, expiresAt } = tokensInAnswer(url.pathname, text);
    const pool: SecretPool = url.pathname.endsWith('/oauth2/token') ? 'upstream' : 'issued';
    for (const t of tokens) secrets.learn(t, { pool, ...(expiresAt !== undefined ? { expiresAt } : {}) });
    return {
      status: res.status,
      ok: res.ok,
      // Read from the answer only when asked for (the upstream fetch makes them on first read).
      get headers() {
        return res.headers;
      },
      text: async () => text,
      json: async () => JSON.parse(text) as unknown,
    } as unknown as Response;
  };
  return learningFetchImpl as unknown as typeof fetch;
}

function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * `store`: where the Sendbird client books the capped endpoints' slots with the other instances
 * (`config.sendbird.sharedPacing`); without it, the client paces them on its own.
 */
export function createClients(config: BridgeConfig, logger: Logger, secrets?: SecretScrubber, store?: Store): Clients {
  const sfLog = logger.child({ upstream: 'salesforce' });
  const sbLog = logger.child({ upstream: 'sendbird' });
  const pool = createUpstreamFetch();
  const loopbackOnly = config.customerAuth.mode === 'guest' && config.customerAuth.allowedBy === 'loopback';
  const upstream = secrets ? learningFetch(pool, secrets, { loopbackOnly }) : pool;
  const sb = config.sendbird;
  const shared = sb.sharedPacing && store ? { shared: sharedSlots(store, sbLog) } : {};
  return {
    close: () => pool.close(),
    salesforce: new SalesforceClient({
      loginUrl: config.salesforce.loginUrl,
      apiVersion: config.salesforce.apiVersion,
      fetch: upstream,
      ...(config.upstream.timeoutMs !== undefined ? { timeoutMs: config.upstream.timeoutMs } : {}),
      auth: salesforceAuth(config.salesforce),
      logger: { warn: (msg, meta) => sfLog.warn(meta ?? {}, msg), info: (msg, meta) => sfLog.info(meta ?? {}, msg) },
    }),
    sendbird: new SendbirdClient({
      appId: config.sendbird.appId,
      apiToken: config.sendbird.apiToken,
      baseUrl: config.sendbird.apiUrl,
      fetch: upstream,
      ...(config.upstream.timeoutMs !== undefined ? { timeoutMs: config.upstream.timeoutMs } : {}),
      limiter: sb.cappedPerSecond > 0 ? { perSecond: sb.cappedPerSecond, ...shared } : { enabled: false },
      logger: { warn: (obj: object, msg?: string) => sbLog.warn(obj, msg), debug: (obj: object, msg?: string) => sbLog.debug(obj, msg) },
    }),
  };
}
