/**
 * Prometheus metrics: one registry per bridge (not prom-client's global one, so tests can run
 * several servers in one process). Other modules add their own metrics to `metrics.registry`
 * (e.g. `new Counter({ name: 'bridge_tickets_total', ..., registers: [metrics.registry] })`).
 */
import type { LimitInfo } from '@sbsf/salesforce';
import { CAPPED_ROUTES, type EndpointScheduler } from '@sbsf/sendbird';
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
  /** `Sforce-Limit-Info` as last seen: API requests used in the last 24 h, the org's allowance, the share left. */
  salesforceApiUsed: Gauge;
  salesforceApiLimit: Gauge;
  salesforceApiRemainingRatio: Gauge;
  /** Calls waiting for a slot of a rate-capped Sendbird endpoint, by endpoint and class (read at scrape time). */
  sendbirdQueueDepth: Gauge<'endpoint' | 'class'>;
  /** How long capped Sendbird calls waited for their slot, by class. */
  sendbirdPacingWait: Histogram<'class'>;
  /** The share of each capped endpoint's cap this instance used over the last SHARE_WINDOW_MS (read at scrape time). */
  sendbirdPacingShare: Gauge<'endpoint'>;
  /** 1 when the capped endpoints' slots are booked with the other instances (SENDBIRD_SHARED_PACING). */
  sendbirdPacingShared: Gauge;
}

export interface MetricsOptions {
  /** Where `bridge_jobs` reads the job counts at scrape time. */
  store?: Pick<Store, 'countJobsByState'>;
  /** Node process metrics (memory, event loop lag...); default true. */
  processMetrics?: boolean;
  /** The Salesforce client's last `Sforce-Limit-Info` (read at scrape time; undefined before any call). */
  salesforceLimit?: () => LimitInfo | undefined;
  /** The Sendbird client's pacing of its capped endpoints (`client.pacing`): queue depths and waits. */
  sendbirdPacing?: Pick<EndpointScheduler, 'depths' | 'onGranted' | 'enabled' | 'perSecond' | 'shared'>;
  /** Clock of the pacing share's window (default Date.now). */
  now?: () => number;
}

/** `bridge_sendbird_pacing_share` counts the slots this instance took over this window. */
export const SHARE_WINDOW_MS = 10_000;
const SHARE_BUCKET_MS = 1_000;

/**
 * Slots taken per endpoint, in one-second buckets over the last SHARE_WINDOW_MS: what this
 * instance used of each capped endpoint's cap (a few numbers per endpoint, whatever the rate).
 */
class SlotsTaken {
  private readonly buckets = new Map<string, { at: number; n: number }[]>();

  constructor(private readonly now: () => number) {}

  add(endpoint: string): void {
    const at = Math.floor(this.now() / SHARE_BUCKET_MS) * SHARE_BUCKET_MS;
    const list = this.recent(endpoint);
    const last = list[list.length - 1];
    if (last && last.at === at) last.n += 1;
    else list.push({ at, n: 1 });
  }

  /** Slots taken in the buckets that began within the window (9 to 10 s of it: the share errs low, never high). */
  count(endpoint: string): number {
    return this.recent(endpoint).reduce((sum, b) => sum + b.n, 0);
  }

  private recent(endpoint: string): { at: number; n: number }[] {
    const from = this.now() - SHARE_WINDOW_MS;
    const list = (this.buckets.get(endpoint) ?? []).filter((b) => b.at > from);
    this.buckets.set(endpoint, list);
    return list;
  }
}

const JOB_STATES: readonly JobState[] = ['queued', 'running', 'done', 'dead'];

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'bridge_' });
  const store = opts.store;
  /** Each gauge reads the client's last `Sforce-Limit-Info` when scraped; nothing seen yet = no sample. */
  const limitGauge = (name: string, help: string, read: (l: LimitInfo) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const l = opts.salesforceLimit?.();
        if (l && l.limit > 0) this.set(read(l));
        else this.reset();
      },
    });
  const pacing = opts.sendbirdPacing;
  const sendbirdPacingWait = new Histogram({
    name: 'bridge_sendbird_pacing_wait_seconds',
    help:
      'Time a call to a rate-capped Sendbird endpoint waited for its slot, by class ' +
      '(ticket, membership_waiting, membership, catchup, sweep); 0 when a slot was free',
    labelNames: ['class'] as const,
    buckets: [0, 0.05, 0.2, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const taken = new SlotsTaken(opts.now ?? Date.now);
  pacing?.onGranted((g) => {
    sendbirdPacingWait.observe({ class: g.class }, g.waitMs / 1000);
    taken.add(g.endpoint);
  });
  return {
    registry,
    sendbirdQueueDepth: new Gauge({
      name: 'bridge_sendbird_queue_depth',
      help: 'Calls waiting for a slot of a rate-capped Sendbird endpoint, by endpoint and class (read at scrape time)',
      labelNames: ['endpoint', 'class'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const d of pacing?.depths() ?? []) this.set({ endpoint: d.endpoint, class: d.class }, d.depth);
      },
    }),
    sendbirdPacingWait,
    sendbirdPacingShare: new Gauge({
      name: 'bridge_sendbird_pacing_share',
      help:
        "Share of each rate-capped Sendbird endpoint's cap this instance used over the last 10 s: its calls / " +
        '(SENDBIRD_CAPPED_PER_SECOND x 10 s). With shared pacing the instances together stay at or under about 1',
      labelNames: ['endpoint'] as const,
      registers: [registry],
      collect() {
        this.reset();
        if (!pacing?.enabled) return;
        const capacity = (pacing.perSecond * SHARE_WINDOW_MS) / 1000;
        for (const endpoint of CAPPED_ROUTES) this.set({ endpoint }, taken.count(endpoint) / capacity);
      },
    }),
    sendbirdPacingShared: new Gauge({
      name: 'bridge_sendbird_pacing_shared',
      help: "1 when the rate-capped Sendbird endpoints' slots are booked in the store with the other instances (SENDBIRD_SHARED_PACING)",
      registers: [registry],
      collect() {
        this.set(pacing?.shared ? 1 : 0);
      },
    }),
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
    // Sforce-Limit-Info: api-usage=used/limit, on every REST answer (REST API Developer Guide,
    // "Limit Info Header"). Alert on the ratio well before it reaches SALESFORCE_BUDGET_RESERVE.
    salesforceApiUsed: limitGauge(
      'bridge_salesforce_api_usage_used',
      'Salesforce API requests used in the last 24 hours (Sforce-Limit-Info, last seen)',
      (l) => l.used,
    ),
    salesforceApiLimit: limitGauge(
      'bridge_salesforce_api_usage_limit',
      "The org's daily Salesforce API request allowance (Sforce-Limit-Info, last seen)",
      (l) => l.limit,
    ),
    salesforceApiRemainingRatio: limitGauge(
      'bridge_salesforce_api_remaining_ratio',
      'Share of the daily Salesforce API allowance left, 0 to 1 (Sforce-Limit-Info, last seen)',
      (l) => Math.max(0, (l.limit - l.used) / l.limit),
    ),
  };
}
