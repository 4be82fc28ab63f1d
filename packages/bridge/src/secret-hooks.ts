/**
 * The HTTP side of the secret registry (secrets.ts): every credential a caller presents (a
 * customer JWT or Sendbird token, the shared secret, the metrics token) is learned before any
 * handler, log line or error can carry it, and every error answer is scrubbed of every known
 * secret before it is sent (an echoed upstream message, a framework message).
 */
import type { FastifyInstance } from 'fastify';
import type { SecretScrubber } from './secrets.js';

/** Headers that carry a caller's credential (`token`: the tutorial's /createticket sends the customer's Sendbird token). */
const CREDENTIAL_HEADERS = ['authorization', 'token'] as const;

export function registerSecretHooks(app: FastifyInstance, secrets: SecretScrubber): void {
  app.addHook('onRequest', (request, _reply, done) => {
    for (const name of CREDENTIAL_HEADERS) {
      const value = request.headers[name];
      if (typeof value !== 'string') continue;
      const m = /^\s*(?:bearer|basic)\s+(\S+)\s*$/i.exec(value);
      secrets.learn(m ? m[1] : value.trim(), { pool: 'presented', expiresAt: Date.now() + 60 * 60_000 });
    }
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') return done(null, secrets.scrub(payload));
    done(null, payload);
  });
}
