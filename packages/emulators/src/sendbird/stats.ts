/**
 * Counts Platform API calls per `METHOD route-pattern` (e.g. `POST /v3/group_channels/:channel_url/messages`)
 * so tests and benchmarks can see how many calls a piece of code made. Faulted and rejected calls
 * count too: they are calls the client made.
 */
import type { FastifyInstance } from 'fastify';

export interface CallStats {
  total: number;
  byRoute: Record<string, number>;
}

export class CallCounter {
  private byRoute = new Map<string, number>();
  private total = 0;

  /** Must be installed before the fault hook, so faulted calls are counted. */
  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (req) => {
      const path = req.url.split('?')[0] ?? req.url;
      if (!path.startsWith('/v3/') && path !== '/v3') return;
      const key = `${req.method} ${req.routeOptions.url ?? path}`;
      this.byRoute.set(key, (this.byRoute.get(key) ?? 0) + 1);
      this.total += 1;
    });
  }

  get(): CallStats {
    return { total: this.total, byRoute: Object.fromEntries([...this.byRoute].sort(([a], [b]) => a.localeCompare(b))) };
  }

  reset(): void {
    this.byRoute.clear();
    this.total = 0;
  }
}
