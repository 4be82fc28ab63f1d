/**
 * `POST /services/oauth2/token` for the client credentials, JWT bearer and username-password
 * grants, and the sessions it issues. Success and error bodies follow the OAuth pages of
 * Salesforce Help: `{access_token, instance_url, id, token_type, issued_at, signature, scope}` or
 * `{error, error_description}` with 400.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { verifyAssertion } from './jwt-verify.js';
import type { OAuthFailure } from './jwt-verify.js';
import { EMULATOR_DEFAULTS } from './options.js';
import type { ResolvedOptions } from './options.js';
import type { OrgState } from './state.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

interface Session {
  userId: string;
  expiresAt: number;
}

export class SessionStore {
  private sessions = new Map<string, Session>();

  issue(orgId: string, userId: string, now: number, ttlMs: number): string {
    // Real tokens look like <15-char org Id>!<opaque>; clients must treat them as opaque.
    const token = `${orgId.slice(0, 15)}!AQ${randomBytes(36).toString('base64url')}`;
    this.sessions.set(token, { userId, expiresAt: now + ttlMs });
    return token;
  }

  /** The running user of a live token, or undefined for an unknown or expired one. */
  check(token: string | undefined, now: number): string | undefined {
    const s = token ? this.sessions.get(token) : undefined;
    if (!s) return undefined;
    if (s.expiresAt <= now) {
      this.sessions.delete(token!);
      return undefined;
    }
    return s.userId;
  }

  /** Every token issued and not yet expired or invalidated. */
  issued(): string[] {
    return [...this.sessions.keys()];
  }

  /** Makes every issued token invalid; returns how many there were. */
  expireAll(): number {
    const n = this.sessions.size;
    this.sessions.clear();
    return n;
  }
}

export interface TokenContext {
  opts: ResolvedOptions;
  state: OrgState;
  sessions: SessionStore;
  jwtKey: KeyObject | undefined;
  /** Base URL the request came to (what `id` and the default instance_url use). */
  baseUrl: string;
}

export interface TokenAnswer {
  status: number;
  body: Record<string, string>;
}

const failure = (f: OAuthFailure): TokenAnswer => ({ status: f.status, body: { error: f.error, error_description: f.description } });
const badGrant = (d: string): TokenAnswer => failure({ status: 400, error: 'invalid_grant', description: d });

function clientCheck(ctx: TokenContext, id: string | null, secret: string | null): TokenAnswer | undefined {
  if (!id || id !== ctx.opts.clientId)
    return failure({ status: 400, error: 'invalid_client_id', description: 'client identifier invalid' });
  if (secret !== ctx.opts.clientSecret) return failure({ status: 400, error: 'invalid_client', description: 'invalid client credentials' });
  return undefined;
}

function activeUser(ctx: TokenContext, username: unknown): string | undefined {
  if (typeof username !== 'string') return undefined;
  return ctx.state.findBy('User', 'Username', username).find((u) => u.IsActive === true)?.Id;
}

function grant(ctx: TokenContext, userId: string): TokenAnswer {
  const now = ctx.opts.now();
  const id = `${ctx.baseUrl}/id/${ctx.state.orgId}/${userId}`;
  const issuedAt = String(now);
  return {
    status: 200,
    body: {
      access_token: ctx.sessions.issue(ctx.state.orgId, userId, now, ctx.opts.tokenTtlMs),
      instance_url: ctx.opts.instanceUrl ?? ctx.baseUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
      // Salesforce signs id + issued_at with the consumer secret (HMAC-SHA256, base64).
      signature: createHmac('sha256', ctx.opts.clientSecret)
        .update(id + issuedAt)
        .digest('base64'),
      scope: 'api',
    },
  };
}

/** Answers one token request. `basic` is the decoded HTTP Basic client id and secret, if sent. */
export function tokenRequest(ctx: TokenContext, form: URLSearchParams, basic?: { id: string; secret: string }): TokenAnswer {
  const clientId = form.get('client_id') ?? basic?.id ?? null;
  const clientSecret = form.get('client_secret') ?? basic?.secret ?? null;
  switch (form.get('grant_type')) {
    case 'client_credentials': {
      const bad = clientCheck(ctx, clientId, clientSecret);
      if (bad) return bad;
      // Runs as the app's "Run As" user: the seeded integration user.
      const runAs = activeUser(ctx, EMULATOR_DEFAULTS.integrationUsername);
      return runAs ? grant(ctx, runAs) : badGrant('no client credentials user enabled');
    }
    case 'password': {
      const bad = clientCheck(ctx, clientId, clientSecret);
      if (bad) return bad;
      if (!ctx.opts.passwordFlowEnabled) return badGrant('authentication failure');
      const users = ctx.opts.passwordUsers ?? [
        { username: EMULATOR_DEFAULTS.integrationUsername, password: EMULATOR_DEFAULTS.integrationPassword },
      ];
      const username = form.get('username');
      const match = users.find((u) => u.username.toLowerCase() === username?.toLowerCase() && u.password === form.get('password'));
      const userId = match ? activeUser(ctx, match.username) : undefined;
      return userId ? grant(ctx, userId) : badGrant('authentication failure');
    }
    case JWT_BEARER_GRANT: {
      const assertion = form.get('assertion');
      if (!assertion) return badGrant('invalid assertion');
      const claims = verifyAssertion(assertion, ctx.jwtKey, {
        clientId: ctx.opts.clientId,
        audiences: [...ctx.opts.jwtAudiences, ctx.baseUrl],
        nowMs: ctx.opts.now(),
      });
      if ('error' in claims) return failure(claims);
      const userId = activeUser(ctx, claims.sub);
      return userId ? grant(ctx, userId) : badGrant("user hasn't approved this consumer");
    }
    default:
      return failure({ status: 400, error: 'unsupported_grant_type', description: 'grant type not supported' });
  }
}
