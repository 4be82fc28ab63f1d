/**
 * Counts Platform API calls per `METHOD route-pattern` (e.g. `POST /v3/group_channels/:channel_url/messages`)
 * so tests and benchmarks can see how many calls a piece of code made. Faulted and rejected calls
 * count too: they are calls the client made. `rateLimited` counts the calls answered 429, whatever
 * answered them (plan limits, endpoint caps or an injected fault): the 429s a client received.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface RouteCounts {
  total: number;
  byRoute: Record<string, number>;
}

export interface CallStats extends RouteCounts {
  rateLimited: RouteCounts;
}

class Counts {
  private byRoute = new Map<string, number>();
  private total = 0;

  add(key: string): void {
    this.byRoute.set(key, (this.byRoute.get(key) ?? 0) + 1);
    this.total += 1;
  }

  get(): RouteCounts {
    return { total: this.total, byRoute: Object.fromEntries([...this.byRoute].sort(([a], [b]) => a.localeCompare(b))) };
  }

  reset(): void {
    this.byRoute.clear();
    this.total = 0;
  }
}

/** `METHOD route-pattern` of a Platform API call, or undefined for anything else. */
function routeKey(req: FastifyRequest): string | undefined {
  const path = req.url.split('?')[0] ?? req.url;
  if (!path.startsWith('/v3/') && path !== '/v3') return undefined;
  return `${req.method} ${req.routeOptions.url ?? path}`;
}

export class CallCounter {
  private readonly calls = new Counts();
  private readonly rateLimited = new Counts();

  /** Must be installed before the fault hook, so faulted calls are counted. */
  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (req) => {
      const key = routeKey(req);
      if (key !== undefined) this.calls.add(key);
    });
    app.addHook('onResponse', async (req, reply) => {
      if (reply.statusCode !== 429) return;
      const key = routeKey(req);
      if (key !== undefined) this.rateLimited.add(key);
    });
  }

  get(): CallStats {
    return { ...this.calls.get(), rateLimited: this.rateLimited.get() };
  }

  reset(): void {
    this.calls.reset();
    this.rateLimited.reset();
  }
}
