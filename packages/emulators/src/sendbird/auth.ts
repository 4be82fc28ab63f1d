/**
 * `Api-Token` check on every `/v3` call. Header names are case-insensitive (the official SDK sends
 * `api-token`), and fastify lower-cases them. A missing or wrong token -> HTTP 400 with 400401.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError, sendError } from './errors.js';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function installApiTokenCheck(app: FastifyInstance, tokens: () => readonly string[]): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/v3/') && req.url !== '/v3') return;
    const given = req.headers['api-token'];
    const value = Array.isArray(given) ? given[0] : given;
    if (!value) return sendError(reply, new ApiError(400401, 'Not valid Api-Token. Api-Token is missing.'));
    if (!tokens().some((t) => same(t, value))) return sendError(reply, new ApiError(400401, 'Not valid Api-Token.'));
  });
}
