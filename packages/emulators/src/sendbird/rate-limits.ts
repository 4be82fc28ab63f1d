/**
 * One hook for Sendbird's rate limits, layered: the per-endpoint caps (rate-caps.ts) and the
 * plan-based limits (plan-limits.ts). A request is admitted only if every limit that applies has
 * room, and then counts in all of them; when one or more are full, the stricter one (the lowest
 * limit; the endpoint cap on a tie) answers 429 / 500910, as Sendbird checks a capped endpoint
 * against both its own cap and the plan (see docs/emulator-sendbird.md, "Rate limits").
 */
import type { FastifyInstance } from 'fastify';
import { sendRateLimited } from './errors.js';

/** What one limit says about one request. */
export interface Verdict {
  /** Requests a second allowed in the window this request counts in. */
  limit: number;
  /** Named in the 429 body: `scope: endpoint` for a cap, `scope: app` for the plan. */
  scope: string;
  /** Set when the window is full: how long until it has room, in ms. */
  retryAfterMs?: number;
  /** Counts the request in the window (called only when every limit admits it). */
  admit(): void;
  /** Counts a refusal this limit answered. */
  refuse(): void;
}

export interface RateLimit {
  /** undefined when this limit is off or does not cover the request. */
  verdict(method: string, route: string, now: number): Verdict | undefined;
}

export function installRateLimits(app: FastifyInstance, limits: readonly RateLimit[], now: () => number): void {
  app.addHook('onRequest', async (req, reply) => {
    const route = req.routeOptions.url;
    // Platform API routes only: the sandbox API, files and the admin API are never limited.
    if (route === undefined || !route.startsWith('/v3/')) return;
    const at = now();
    const verdicts = limits.map((l) => l.verdict(req.method, route, at)).filter((v): v is Verdict => v !== undefined);
    let answer: Verdict | undefined;
    for (const v of verdicts) {
      if (v.retryAfterMs !== undefined && (answer === undefined || v.limit < answer.limit)) answer = v;
    }
    if (answer?.retryAfterMs !== undefined) {
      answer.refuse();
      return sendRateLimited(reply, answer.retryAfterMs, answer.limit, answer.scope);
    }
    for (const v of verdicts) v.admit();
  });
}
