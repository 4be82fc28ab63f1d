/**
 * Verifies a JWT bearer assertion the way the token endpoint does: RS256 signature against the
 * app's certificate, then `iss` (consumer key), `aud`, `exp` and `sub` (an active user's
 * username). Error descriptions are the ones Salesforce is known to send.
 */
import { X509Certificate, createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface OAuthFailure {
  status: number;
  error: string;
  description: string;
}

export interface JwtClaims {
  iss?: unknown;
  sub?: unknown;
  aud?: unknown;
  exp?: unknown;
}

export function loadVerificationKey(publicKey?: string, certificate?: string): KeyObject | undefined {
  if (certificate) return new X509Certificate(certificate).publicKey;
  if (publicKey) return createPublicKey(publicKey);
  return undefined;
}

const invalid = (description = 'invalid assertion'): OAuthFailure => ({ status: 400, error: 'invalid_grant', description });

/** Returns the claims of a well-signed assertion, or the failure to answer. */
export function verifyAssertion(
  assertion: string,
  key: KeyObject | undefined,
  expect: { clientId: string; audiences: string[]; nowMs: number },
): JwtClaims | OAuthFailure {
  const parts = assertion.split('.');
  if (parts.length !== 3 || !key) return invalid();
  const [h, c, s] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown };
    claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    return invalid();
  }
  if (header.alg !== 'RS256') return invalid();
  if (!verify('sha256', Buffer.from(`${h}.${c}`), key, Buffer.from(s, 'base64url'))) return invalid();
  if (claims.iss !== expect.clientId) return { status: 400, error: 'invalid_client_id', description: 'client identifier invalid' };
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!auds.some((a) => typeof a === 'string' && expect.audiences.includes(a.replace(/\/+$/, '')))) {
    return invalid('audience is invalid');
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= expect.nowMs) return invalid('expired authorization code');
  return claims;
}
