/**
 * Who is opening a ticket. Three modes (CUSTOMER_AUTH_MODE):
 * - `jwt` (recommended): `Authorization: Bearer <JWT>` signed by the customer's own backend;
 * - `sendbird_token` (the tutorial's way): headers `user` and `token`, the customer's Sendbird user
 *   id and access or session token, checked against Sendbird's user record;
 * - `guest` (sandbox only): the customer named in the request is trusted.
 */
import { isSalesforceId, isUserId } from '@sbsf/salesforce';
import { SendbirdNotFoundError, type SendbirdClient } from '@sbsf/sendbird';
import type { CustomerAuthConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { CustomerVerification } from '../store/types.js';
import { createJwtVerifier, JwtError } from './jwt.js';

/** Who opens a ticket: the customer's Sendbird user, as the authenticator established it. */
export interface CustomerIdentity {
  userId: string;
  nickname: string;
  /** An address the request or the token gave (shown, never trusted for matching: see `verified`). */
  email?: string;
  /**
   * What the authentication proved. Contact matching relies on it alone: `jwt` proves the user id
   * (`sub`) and the token's `email` unless `email_verified` is false; `sendbird_token` proves the
   * user id only (an email in the request is the customer's say-so); `guest` proves nothing.
   */
  verified: CustomerVerification;
}

/** Sendbird allows up to 80 characters; we also keep ids URL- and log-safe. */
const USER_ID_RE = /^[A-Za-z0-9_.@:+=-]{1,80}$/;

export interface CustomerClaimsInput {
  headers: Record<string, string | string[] | undefined>;
  /** The customer the request body names, if any. */
  customer?: { userId?: string; nickname?: string; email?: string };
  /** Tutorial `/createticket`: 0 = access token only, 1 = session token only. */
  tokenType?: 0 | 1;
}

export type CustomerAuthenticator = (input: CustomerClaimsInput) => Promise<CustomerIdentity>;

const header = (h: CustomerClaimsInput['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Anything shaped like a User Id (005 + 12 or 15 more), whatever its checksum or letter case. */
const AGENT_SHAPED_ID = /^005[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$/;

/** Refuses ids that cannot be a customer. */
export function checkCustomerUserId(userId: string, field = 'customer.userId'): string {
  if (!USER_ID_RE.test(userId)) {
    throw new AppError(400, 'invalid_customer_id', `${field} must be 1-80 characters of letters, digits and _ . @ : + = -`, { field });
  }
  // The reconciler treats a channel member whose id is a Salesforce User Id as an agent, so a
  // customer must never hold one: that would let a customer pose as (or evict) an agent.
  if (AGENT_SHAPED_ID.test(userId) || (isSalesforceId(userId) && isUserId(userId))) {
    throw new AppError(400, 'invalid_customer_id', `${field} looks like a Salesforce User Id; those are reserved for agents`, { field });
  }
  return userId;
}

export function createCustomerAuthenticator(
  cfg: CustomerAuthConfig,
  sendbird: SendbirdClient,
  now: () => number = Date.now,
): CustomerAuthenticator {
  if (cfg.mode === 'jwt') {
    const verify = createJwtVerifier({
      secret: cfg.jwtSecret,
      publicKey: cfg.jwtPublicKey,
      issuer: cfg.issuer,
      audience: cfg.audience,
      now,
    });
    return async ({ headers, customer }) => {
      const auth = header(headers, 'authorization');
      const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
      if (!m?.[1]) throw new AppError(401, 'auth_required', 'send the customer token from your backend as `Authorization: Bearer <JWT>`');
      let claims;
      try {
        claims = await verify(m[1]);
      } catch (err) {
        if (err instanceof JwtError) throw new AppError(401, err.code, err.message);
        throw err;
      }
      const userId = checkCustomerUserId(claims.sub, 'the token `sub`');
      if (customer?.userId !== undefined && customer.userId !== userId) {
        throw new AppError(403, 'customer_mismatch', 'customer.userId differs from the token `sub`; leave it out or send the same id', {
          field: 'customer.userId',
        });
      }
      const verifiedEmail = claims.email && claims.emailVerified !== false ? { email: claims.email } : {};
      return {
        userId,
        nickname: claims.name ?? customer?.nickname ?? userId,
        ...(claims.email ? { email: claims.email } : {}),
        verified: { via: 'jwt', ...verifiedEmail },
      };
    };
  }
  if (cfg.mode === 'sendbird_token') {
    return async ({ headers, customer, tokenType }) => {
      const user = header(headers, 'user');
      const token = header(headers, 'token');
      if (!token) throw new AppError(401, 'auth_required', "Not Authorized! -- 'token' not supplied");
      if (!user) throw new AppError(401, 'auth_required', "Not Authorized! -- 'user' not supplied");
      const userId = checkCustomerUserId(user, 'the `user` header');
      if (customer?.userId !== undefined && customer.userId !== userId) {
        throw new AppError(403, 'customer_mismatch', 'customer.userId differs from the `user` header', { field: 'customer.userId' });
      }
      let record;
      try {
        record = await sendbird.getUser(userId);
      } catch (err) {
        if (err instanceof SendbirdNotFoundError) throw new AppError(401, 'invalid_token', 'Not authorized');
        throw err;
      }
      const accessOk = tokenType !== 1 && !!record.access_token && safeEqual(record.access_token, token);
      // The tutorial reads `session_tokens` from the user record; see docs/bridge.md on checking it.
      const sessions = Array.isArray(record.session_tokens)
        ? (record.session_tokens as { session_token?: string; expires_at?: number }[])
        : [];
      const sessionOk =
        tokenType !== 0 && sessions.some((s) => !!s.session_token && safeEqual(s.session_token, token) && (s.expires_at ?? 0) > now());
      if (!accessOk && !sessionOk) throw new AppError(401, 'invalid_token', 'Not authorized');
      return {
        userId,
        nickname: record.nickname || customer?.nickname || userId,
        ...(customer?.email ? { email: customer.email } : {}),
        verified: { via: 'sendbird_token' },
      };
    };
  }
  return async ({ headers, customer }) => {
    const userId = customer?.userId ?? header(headers, 'user');
    if (!userId)
      throw new AppError(400, 'invalid_request', 'guest mode: name the customer in customer.userId', { field: 'customer.userId' });
    checkCustomerUserId(userId);
    return {
      userId,
      nickname: customer?.nickname || userId,
      ...(customer?.email ? { email: customer.email } : {}),
      verified: { via: 'guest' },
    };
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
