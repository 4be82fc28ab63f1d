/**
 * Verifies the customer JWT that the customer's own backend signs (the recommended identity
 * mode), with `jose`: HS256 with a shared secret or RS256 with a public key. The algorithm is
 * fixed by the configuration, never taken from the token, so `alg: none` and HS/RS confusion
 * cannot pass. jose's errors become `JwtError`s with this module's codes and messages; neither
 * the key nor the token's claims are in them.
 */
import { createHmac, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
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
  /**
   * The OpenID Connect claim: false (or the string "false", as some providers send it) says the
   * provider has not verified `email`. Absent: the customer's backend vouches for the address.
   */
  emailVerified?: boolean;
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
const copyClaims = (c: VerifiedClaims): CustomerClaims => ({
  sub: c.sub,
  name: c.name,
  email: c.email,
  ...(c.emailVerified !== undefined ? { emailVerified: c.emailVerified } : {}),
  exp: c.exp,
});

/** `email_verified` as a boolean: true, false, or their strings; anything else is refused. */
function emailVerifiedClaim(v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new JwtError('token_claims', '`email_verified` must be true or false');
}

/** jose's error for a token, as this module's `JwtError`. */
function fromJose(err: unknown): unknown {
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new JwtError('token_algorithm', 'the customer token is signed with another algorithm');
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new JwtError('token_signature', 'the customer token signature does not verify');
  if (err instanceof errors.JWTExpired) return new JwtError('token_expired', 'the customer token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' && err.reason === 'check_failed')
      return new JwtError('token_not_yet_valid', 'the customer token is not valid yet');
    if (err.claim === 'iss') return new JwtError('token_issuer', 'the customer token issuer is not the configured one');
    if (err.claim === 'aud') return new JwtError('token_audience', 'the customer token audience is not the configured one');
    if (err.claim === 'sub')
      return new JwtError('token_claims', 'the customer token needs a `sub` claim (the Sendbird user id, 1-80 characters)');
    if (err.reason === 'missing') return new JwtError('token_claims', `the customer token needs an \`${err.claim}\` claim`);
    return new JwtError('token_claims', `the customer token's \`${err.claim}\` claim must be a number of seconds`);
  }
  if (err instanceof errors.JWTInvalid) return new JwtError('token_claims', 'the customer token payload must be a JSON object');
  if (err instanceof errors.JWSInvalid) return new JwtError('token_malformed', 'the customer token is not a JWT (three base64url parts)');
  return err;
}

export function createJwtVerifier(opts: JwtVerifierOptions): (token: string) => Promise<CustomerClaims> {
  if (!opts.secret === !opts.publicKey) throw new Error('[bridge] give exactly one of a JWT secret (HS256) or a public key (RS256)');
  const alg = opts.secret ? 'HS256' : 'RS256';
  const key: KeyObject = opts.secret ? createSecretKey(Buffer.from(opts.secret, 'utf8')) : createPublicKey(opts.publicKey as string);
  const skew = opts.clockToleranceSec ?? 30;
  const now = opts.now ?? Date.now;
  const cacheSize = opts.cacheSize ?? 10_000;
  // Verified tokens, oldest first (rememberBounded).
  const verified = new Map<string, VerifiedClaims>();

  /** The time checks jose makes, for a remembered token: `exp` at or before now (less the tolerance), `nbf` after. */
  const checkTimes = (c: { exp: number; nbf?: number }): void => {
    const nowSec = Math.floor(now() / 1000);
    if (c.nbf !== undefined && c.nbf > nowSec + skew) throw new JwtError('token_not_yet_valid', 'the customer token is not valid yet');
    if (c.exp <= nowSec - skew) throw new JwtError('token_expired', 'the customer token has expired');
  };

  const verifyToken = async (token: string): Promise<VerifiedClaims> => {
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new JwtError('token_malformed', 'the customer token is not a JWT (three base64url parts)');
    }
    if (header.alg !== alg) throw new JwtError('token_algorithm', `the customer token must be signed with ${alg}`);
    let c: JWTPayload;
    try {
      ({ payload: c } = await jwtVerify(token, key, {
        algorithms: [alg],
        requiredClaims: ['sub', 'exp'],
        clockTolerance: skew,
        currentDate: new Date(now()),
        ...(opts.issuer ? { issuer: opts.issuer } : {}),
        ...(opts.audience ? { audience: opts.audience } : {}),
      }));
    } catch (err) {
      throw fromJose(err);
    }
    if (typeof c.sub !== 'string' || c.sub.length === 0 || c.sub.length > 80) {
      throw new JwtError('token_claims', 'the customer token needs a `sub` claim (the Sendbird user id, 1-80 characters)');
    }
    if (c.name !== undefined && typeof c.name !== 'string') throw new JwtError('token_claims', '`name` must be a string');
    if (c.email !== undefined && typeof c.email !== 'string') throw new JwtError('token_claims', '`email` must be a string');
    const name = c.name as string | undefined;
    const email = c.email as string | undefined;
    const emailVerified = emailVerifiedClaim(c.email_verified);
    return {
      sub: c.sub,
      name,
      email,
      ...(emailVerified !== undefined ? { emailVerified } : {}),
      exp: c.exp as number,
      ...(typeof c.nbf === 'number' ? { nbf: c.nbf } : {}),
    };
  };

  return async (token: string): Promise<CustomerClaims> => {
    const known = verified.get(token);
    if (known) {
      checkTimes(known);
      return copyClaims(known);
    }
    const claims = await verifyToken(token);
    rememberBounded(verified, token, claims, cacheSize);
    return copyClaims(claims);
  };
}

/**
 * Signs an HS256 token the way a customer's backend would; used by tests, benchmarks and the docs.
 * Synchronous on purpose (jose's signing is asynchronous only, and tests sign tokens inline); the
 * tests check that jose verifies what it signs and that the verifier accepts jose's tokens.
 */
export function signCustomerJwt(claims: Record<string, unknown>, secret: string): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
