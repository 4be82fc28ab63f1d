/**
 * OAuth token request parameters for each flow, and the token cache.
 *
 * The client-credentials and JWT flows return no refresh token and no expiry, so the token is
 * kept until the API answers 401 INVALID_SESSION_ID, and then the grant is simply run again.
 * Concurrent callers share one token request ("single flight"): without that, a burst of calls at
 * start-up or after an expiry would each log in.
 */
import { signJwtAssertion } from './jwt.js';
import { DEFAULT_JWT_AUDIENCE } from './options.js';
import type { SalesforceAuth } from './options.js';

export interface AccessToken {
  accessToken: string;
  instanceUrl: string;
  /** Identity URL: .../id/<orgId>/<userId>. */
  id?: string;
  issuedAt?: number;
  scope?: string;
}

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The form body of `POST /services/oauth2/token` for the configured flow. */
export function tokenRequestBody(auth: SalesforceAuth, nowMs: number): URLSearchParams {
  switch (auth.kind) {
    case 'client_credentials':
      return new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: auth.clientId,
        client_secret: auth.clientSecret,
      });
    case 'jwt_bearer':
      return new URLSearchParams({
        grant_type: JWT_BEARER_GRANT,
        assertion: signJwtAssertion({
          clientId: auth.clientId,
          username: auth.username,
          audience: auth.audience ?? DEFAULT_JWT_AUDIENCE,
          privateKey: auth.privateKey,
          nowMs,
        }),
      });
    case 'password':
      return new URLSearchParams({
        grant_type: 'password',
        client_id: auth.clientId,
        client_secret: auth.clientSecret,
        username: auth.username,
        password: auth.password,
      });
  }
}

/** Parses a token response, refusing one without the two fields every later call needs. */
export function parseTokenResponse(body: unknown): AccessToken {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.access_token !== 'string' || typeof b.instance_url !== 'string') {
    throw new Error('[salesforce] token response lacks access_token or instance_url');
  }
  return {
    accessToken: b.access_token,
    instanceUrl: b.instance_url.replace(/\/+$/, ''),
    ...(typeof b.id === 'string' ? { id: b.id } : {}),
    ...(typeof b.issued_at === 'string' ? { issuedAt: Number(b.issued_at) } : {}),
    ...(typeof b.scope === 'string' ? { scope: b.scope } : {}),
  };
}

export class TokenCache {
  private token: AccessToken | undefined;
  private inflight: Promise<AccessToken> | undefined;

  constructor(private readonly login: () => Promise<AccessToken>) {}

  /** The cached token, or a fresh one (shared by everyone who asks while it is being fetched). */
  get(): Promise<AccessToken> {
    if (this.token) return Promise.resolve(this.token);
    return this.fetchOnce();
  }

  /**
   * Called after `stale` was refused. If someone already replaced it, use theirs; otherwise log in
   * again (once, however many callers saw the same 401).
   */
  refresh(stale: AccessToken): Promise<AccessToken> {
    if (this.token && this.token.accessToken !== stale.accessToken) return Promise.resolve(this.token);
    this.token = undefined;
    return this.fetchOnce();
  }

  clear(): void {
    this.token = undefined;
  }

  private fetchOnce(): Promise<AccessToken> {
    if (!this.inflight) {
      this.inflight = this.login()
        .then((t) => {
          this.token = t;
          return t;
        })
        .finally(() => {
          this.inflight = undefined;
        });
    }
    return this.inflight;
  }
}
