/**
 * The bearer secret Salesforce sends (the Named Credential `Sendbird_Bridge`, External Credential
 * `Sendbird_Bridge_Auth`): `Authorization: Bearer <BRIDGE_SHARED_SECRET>` on `/salesforce/events`
 * and `/agents/session`.
 *
 * Compared in constant time: both sides are hashed to 32 bytes first, so `timingSafeEqual` never
 * sees different lengths and the time taken says nothing about the secret. Every failure (no
 * header, another scheme, a wrong secret) gets the same 401, so a caller learns nothing about
 * which part was wrong.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** True when the header is `Bearer <secret>` (scheme case-insensitive, as RFC 6750 allows). */
export function bearerMatches(header: unknown, secret: string): boolean {
  const given = typeof header === 'string' ? (/^Bearer[ ]+(\S+)\s*$/i.exec(header)?.[1] ?? '') : '';
  // Always compare, also when nothing was given, so a missing header takes as long as a wrong one.
  const same = timingSafeEqual(digest(given), digest(secret));
  return same && given !== '';
}

/** An `onRequest` hook: 401 unless the request carries the shared secret. */
export function requireSharedSecret(secret: string) {
  return async function checkSharedSecret(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (bearerMatches(req.headers.authorization, secret)) return;
    void reply.header('www-authenticate', 'Bearer realm="sendbird-salesforce-bridge"');
    throw new AppError(
      401,
      'unauthorized',
      'a valid bearer token is required (the BRIDGE_SHARED_SECRET the Salesforce Named Credential sends)',
    );
  };
}

/** Route `config.rateLimit` for secret-holding callers: Salesforce calls out from a few shared IPs. */
export function sharedSecretRateLimit(secret: string) {
  // Requests with the right secret are not counted per IP (every agent's panel and every
  // transaction of the org arrive from Salesforce's egress IPs); wrong secrets still are.
  return { allowList: (req: FastifyRequest) => bearerMatches(req.headers.authorization, secret) };
}
