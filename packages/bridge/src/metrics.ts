/**
 * Prometheus metrics: one registry per bridge (not prom-client's global one, so tests can run
 * several servers in one process). Other modules add their own metrics to `metrics.registry`
 * (e.g. `new Counter({ name: 'bridge_tickets_total', ..., registers: [metrics.registry] })`).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobState, Store } from './store/types.js';

export type JobOutcome = 'done' | 'retry' | 'dead' | 'lease_lost';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  jobOutcomes: Counter<'kind' | 'outcome'>;
  jobDuration: Histogram<'kind'>;
  jobsByState: Gauge<'state'>;
}

export interface MetricsOptions {
  /** Where `bridge_jobs` reads the job counts at scrape time. */
  store?: Pick<Store, 'countJobsByState'>;
  /** Node process metrics (memory, event loop lag...); default true. */
  processMetrics?: boolean;
}

const JOB_STATES: readonly JobState[] = ['queued', 'running', 'done', 'dead'];

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'bridge_' });
  const store = opts.store;
  return {
    registry,
    httpRequests: new Counter({
      name: 'bridge_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'bridge_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    jobOutcomes: new Counter({
      name: 'bridge_job_outcomes_total',
      help: 'Job attempts by kind and outcome (done, retry, dead, lease_lost)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'bridge_job_duration_seconds',
      help: 'Time a job handler ran, by kind',
      labelNames: ['kind'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [registry],
    }),
    jobsByState: new Gauge({
      name: 'bridge_jobs',
      help: 'Jobs in the durable queue, by state (read from the store at scrape time)',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        if (!store) return;
        try {
          const counts = await store.countJobsByState();
          for (const s of JOB_STATES) this.set({ state: s }, counts[s]);
        } catch {
          // The store is down: /readyz says so; a scrape must still succeed.
          this.reset();
        }
      },
    }),
  };
}
