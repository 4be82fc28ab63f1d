/**
 * Optional emulation of Sendbird's plan-based rate limits: per application and per endpoint, GET
 * at one rate and POST/PUT/DELETE at another, both set by the plan's monthly active users
 * ("Plan-based rate limits",
 * https://sendbird.com/docs/chat/v3/platform-api/application/understanding-rate-limits/rate-limits).
 * Off by default. A sliding one-second window per endpoint (or per method, see `per`); over the
 * limit -> 429 / 500910 with `scope: app`, the scope Sendbird's own message names for it.
 */
import type { PlanLimitOptions, PlanName, PlanRates } from './options.js';
import type { RateLimit, Verdict } from './rate-limits.js';
import { SlidingWindows } from './sliding-window.js';

/** Sendbird's table, requests a second: GET, then POST, PUT and DELETE alike. */
export const PLAN_RATES: Readonly<Record<PlanName, Readonly<PlanRates>>> = {
  trial: { getPerSecond: 10, writePerSecond: 5 },
  '5k': { getPerSecond: 60, writePerSecond: 10 },
  '10k': { getPerSecond: 100, writePerSecond: 20 },
  '25k': { getPerSecond: 200, writePerSecond: 40 },
  '50k': { getPerSecond: 400, writePerSecond: 100 },
  '100k': { getPerSecond: 600, writePerSecond: 200 },
};

const PLAN_NAMES = Object.keys(PLAN_RATES) as PlanName[];
const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

function rate(value: unknown, field: string): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
    throw new Error(`planLimits.plan.${field} must be a positive integer`);
  }
  return value;
}

function resolvePlan(plan: PlanLimitOptions['plan']): { name: PlanName | 'custom'; rates: PlanRates } {
  if (typeof plan === 'string') {
    const rates = PLAN_RATES[plan];
    if (!PLAN_NAMES.includes(plan) || !rates) {
      throw new Error(`planLimits.plan must be one of ${PLAN_NAMES.join(', ')} or { getPerSecond, writePerSecond }`);
    }
    return { name: plan, rates: { ...rates } };
  }
  if (typeof plan !== 'object' || plan === null) {
    throw new Error(`planLimits.plan must be one of ${PLAN_NAMES.join(', ')} or { getPerSecond, writePerSecond }`);
  }
  return {
    name: 'custom',
    rates: { getPerSecond: rate(plan.getPerSecond, 'getPerSecond'), writePerSecond: rate(plan.writePerSecond, 'writePerSecond') },
  };
}

export interface PlanLimitState extends PlanRates {
  enabled: boolean;
  plan: PlanName | 'custom';
  per: 'endpoint' | 'method';
  /** 429s the plan limits answered since start (the per-endpoint caps count their own). */
  rejected: number;
}

export class PlanLimits implements RateLimit {
  private enabled = false;
  private plan: PlanName | 'custom' = 'trial';
  private rates: PlanRates = { ...PLAN_RATES.trial };
  private per: 'endpoint' | 'method' = 'endpoint';
  private readonly windows = new SlidingWindows();
  rejected = 0;

  constructor(opts: PlanLimitOptions = {}) {
    this.set(opts);
  }

  /** Naming a plan turns the limits on unless `enabled: false` comes with it. */
  set(opts: PlanLimitOptions): void {
    const resolved = opts.plan === undefined ? undefined : resolvePlan(opts.plan);
    if (opts.per !== undefined && opts.per !== 'endpoint' && opts.per !== 'method') {
      throw new Error("planLimits.per must be 'endpoint' or 'method'");
    }
    if (opts.enabled !== undefined && typeof opts.enabled !== 'boolean') throw new Error('planLimits.enabled must be a boolean');
    if (resolved) {
      this.plan = resolved.name;
      this.rates = resolved.rates;
    }
    this.per = opts.per ?? this.per;
    this.enabled = opts.enabled ?? (resolved ? true : this.enabled);
    this.windows.clear();
  }

  get(): PlanLimitState {
    return { enabled: this.enabled, plan: this.plan, ...this.rates, per: this.per, rejected: this.rejected };
  }

  verdict(method: string, route: string, now: number): Verdict | undefined {
    if (!this.enabled) return undefined;
    const write = WRITE_METHODS.has(method);
    if (!write && method !== 'GET' && method !== 'HEAD') return undefined;
    const limit = write ? this.rates.writePerSecond : this.rates.getPerSecond;
    // A HEAD is a GET without its body: it shares the GET's window.
    const m = method === 'HEAD' ? 'GET' : method;
    const key = this.per === 'endpoint' ? `${m} ${route}` : m;
    return {
      limit,
      scope: 'app',
      retryAfterMs: this.windows.retryAfterMs(key, limit, now),
      admit: () => this.windows.add(key, now),
      refuse: () => {
        this.rejected += 1;
      },
    };
  }
}
