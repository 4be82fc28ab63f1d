/**
 * Verifies the customer JWT that the customer's own backend signs (the recommended identity
 * mode). HS256 with a shared secret or RS256 with a public key; the algorithm is fixed by the
 * configuration, never taken from the token, so `alg: none` and HS/RS confusion cannot pass.
 */
import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { rememberBounded } from '../bounded-map.js';

export interface JwtVerifierOptions {
  /** HS256 shared secret. */
  secret?: string;
  /** RS256 public key (PEM). */
  publicKey?: string;
  issuer?: string;
  audience?: string;
  /** Allowed clock skew in seconds. */
  clockToleranceSec?: number;
  now?: () => number;
  /**
   * How many verified tokens to remember (default 10,000; 0 turns it off). A customer's app sends
   * the same token with each request until it expires: a token seen before, byte for byte, skips
   * the signature check and the JSON parsing, but its `exp` and `nbf` are checked every time.
   */
  cacheSize?: number;
}

export interface CustomerClaims {
  sub: string;
  name?: string;
  email?: string;
  exp: number;
}

export class JwtError extends Error {
  constructor(
    readonly code:
      | 'token_malformed'
      | 'token_algorithm'
      | 'token_signature'
      | 'token_expired'
      | 'token_not_yet_valid'
      | 'token_claims'
      | 'token_issuer'
      | 'token_audience',
    message: string,
  ) {
    super(message);
    this.name = 'JwtError';
  }
}

/** What a verified token is remembered with: its claims and, for the time checks, `nbf`. */
interface VerifiedClaims extends CustomerClaims {
  nbf?: number;
}

/** The caller's own copy: what is remembered is never handed out. */
const copyClaims = (c: VerifiedClaims): CustomerClaims => ({ sub: c.sub, name: c.name, email: c.email, exp: c.exp });

const b64urlJson = (part: string): unknown => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

export function createJwtVerifier(opts: JwtVerifierOptions): (token: string) => CustomerClaims {
  if (!opts.secret === !opts.publicKey) throw new Error('[bridge] give exactly one of a JWT secret (HS256) or a public key (RS256)');
  const alg = opts.secret ? 'HS256' : 'RS256';
  const key: KeyObject | undefined = opts.publicKey ? createPublicKey(opts.publicKey) : undefined;
  const secret = opts.secret ? Buffer.from(opts.secret, 'utf8') : undefined;
  const skew = opts.clockToleranceSec ?? 30;
  const now = opts.now ?? Date.now;
  const cacheSize = opts.cacheSize ?? 10_000;
  // Verified tokens, oldest first (rememberBounded).
  const verified = new Map<string, VerifiedClaims>();

  const checkTimes = (c: { exp: number; nbf?: number }): void => {
    const nowSec = Math.floor(now() / 1000);
    if (c.exp + skew < nowSec) throw new JwtError('token_expired', 'the customer token has expired');
    if (c.nbf !== undefined && c.nbf - skew > nowSec) throw new JwtError('token_not_yet_valid', 'the customer token is not valid yet');
  };

  const verifyToken = (token: string): VerifiedClaims => {
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) {
      throw new JwtError('token_malformed', 'the customer token is not a JWT (three base64url parts)');
    }
    const [h, p, s] = parts as [string, string, string];
    let header: unknown;
    let payload: unknown;
    try {
      header = b64urlJson(h);
      payload = b64urlJson(p);
    } catch {
      throw new JwtError('token_malformed', 'the customer token header or payload is not valid JSON');
    }
    if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== alg) {
      throw new JwtError('token_algorithm', `the customer token must be signed with ${alg}`);
    }
    const signed = Buffer.from(`${h}.${p}`, 'utf8');
    const sig = Buffer.from(s, 'base64url');
    let ok: boolean;
    if (secret) {
      const expected = createHmac('sha256', secret).update(signed).digest();
      ok = expected.length === sig.length && timingSafeEqual(expected, sig);
    } else {
      ok = verify('RSA-SHA256', signed, key as KeyObject, sig);
    }
    if (!ok) throw new JwtError('token_signature', 'the customer token signature does not verify');
    if (typeof payload !== 'object' || payload === null) throw new JwtError('token_claims', 'the customer token payload must be an object');
    const c = payload as Record<string, unknown>;
    if (typeof c.sub !== 'string' || c.sub.length === 0 || c.sub.length > 80) {
      throw new JwtError('token_claims', 'the customer token needs a `sub` claim (the Sendbird user id, 1-80 characters)');
    }
    if (typeof c.exp !== 'number') throw new JwtError('token_claims', 'the customer token needs an `exp` claim');
    const times = { exp: c.exp, ...(typeof c.nbf === 'number' ? { nbf: c.nbf } : {}) };
    checkTimes(times);
    if (c.name !== undefined && typeof c.name !== 'string') throw new JwtError('token_claims', '`name` must be a string');
    if (c.email !== undefined && typeof c.email !== 'string') throw new JwtError('token_claims', '`email` must be a string');
    if (opts.issuer && c.iss !== opts.issuer) throw new JwtError('token_issuer', 'the customer token issuer is not the configured one');
    if (opts.audience) {
      const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
      if (!aud.includes(opts.audience)) throw new JwtError('token_audience', 'the customer token audience is not the configured one');
    }
    return { sub: c.sub, name: c.name as string | undefined, email: c.email as string | undefined, ...times };
  };

  return (token: string): CustomerClaims => {
    const known = verified.get(token);
    if (known) {
      checkTimes(known);
      return copyClaims(known);
    }
    const claims = verifyToken(token);
    rememberBounded(verified, token, claims, cacheSize);
    return copyClaims(claims);
  };
}

/** Signs a token the way a customer's backend would; used by tests, the sandbox and the docs. */
export function signCustomerJwt(claims: Record<string, unknown>, secret: string): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
