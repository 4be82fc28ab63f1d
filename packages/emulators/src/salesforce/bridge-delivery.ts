/**
 * The `SendbirdCallOuts` Queueable + `SendbirdBridgeClient`: each subscriber batch (event-bus.ts)
 * enqueues ONE job, which makes ONE `POST {bridge}/salesforce/events` (the Named Credential
 * `callout:Sendbird_Bridge`), `Authorization: Bearer <secret>` (what its External Credential
 * adds), body `{"events":[...]}` validated against the wire schema first. The job runs after the
 * subscriber's transaction, never inside the REST call that changed the Case. A failed callout is
 * retried as the job's Transaction Finalizer does, each retry a new Queueable: out of attempts ->
 * give up (the Apex then logs to Sendbird_Sync_Error__c); no HTTP status (network error, timeout)
 * -> retry; 408, 429, 5xx -> retry; any other status (a setup problem) -> give up. Every job is
 * logged (never the secret) and counted: Queueables enqueued (first runs and retries) and callouts.
 */
import type { SalesforceEvent } from '@sbsf/wire';
import { validateSalesforceEventBatch } from '@sbsf/wire/salesforce-events-validate';
import { Sleeps } from '../common/sleeps.js';

export interface BridgeTarget {
  /** The bridge's base URL (the Named Credential's URL), e.g. http://127.0.0.1:8080. */
  url: string;
  /** BRIDGE_SHARED_SECRET (the External Credential's bearer token). */
  secret: string;
}

export interface BridgeDeliveryOptions {
  /** Attempts per batch (Sendbird_Config__mdt.Max_Callout_Attempts__c: default 3, at most 5). */
  maxAttempts?: number;
  /**
   * Wait before the next attempt, indexed by the attempt that failed (1-based), as the Apex's
   * RETRY_DELAY_MINUTES [0, 1, 5, 10, 10] but in seconds: [0, 1000, 5000, 10000, 10000] ms.
   */
  retryDelaysMs?: number[];
  /** Per attempt (SendbirdBridgeClient.TIMEOUT_MS: 20 s). */
  timeoutMs?: number;
  /** Deliveries kept in the log (oldest dropped first). */
  logSize?: number;
  fetch?: typeof fetch;
}

export interface DeliveryAttempt {
  at: string;
  status?: number;
  error?: string;
  durationMs: number;
}

export interface BridgeDeliveryRecord {
  id: number;
  at: string;
  /** The events URL, or null when no bridge was configured. */
  url: string | null;
  status: 'pending' | 'delivered' | 'failed' | 'invalid' | 'no_bridge';
  events: SalesforceEvent[];
  attempts: DeliveryAttempt[];
  /** Platform events of the subscriber batch that repeated an earlier one exactly (not sent twice). */
  duplicates: number;
  error?: string;
}

/** What the Queueables cost: jobs enqueued (the subscriber's and the finalizer's retries) and callouts. */
export interface DeliveryCounts {
  queueables: number;
  callouts: number;
}

export const BRIDGE_DELIVERY_DEFAULTS = {
  maxAttempts: 3,
  maxAttemptsCap: 5,
  retryDelaysMs: [0, 1_000, 5_000, 10_000, 10_000],
  timeoutMs: 20_000,
  logSize: 1_000,
} as const;

export const EVENTS_PATH = '/salesforce/events';

/** SendbirdCallOuts.shouldRetry, rules in order. */
export function shouldRetryDelivery(status: number | undefined, attempt: number, maxAttempts: number): boolean {
  if (attempt >= maxAttempts) return false;
  if (status === undefined) return true;
  return status === 408 || status === 429 || status >= 500;
}

export function validateBridgeTarget(t: unknown): BridgeTarget {
  const b = t as Partial<BridgeTarget> | null;
  if (!b || typeof b !== 'object') throw new TypeError('[salesforce-emulator] bridge must be {url, secret}');
  let u: URL;
  try {
    u = new URL(String(b.url));
  } catch {
    throw new TypeError('[salesforce-emulator] bridge.url must be an absolute http(s) URL, e.g. http://127.0.0.1:8080');
  }
  if (!/^https?:$/.test(u.protocol)) throw new TypeError('[salesforce-emulator] bridge.url must be an http(s) URL');
  if (typeof b.secret !== 'string' || b.secret === '')
    throw new TypeError("[salesforce-emulator] bridge.secret is required (the bridge's BRIDGE_SHARED_SECRET)");
  return { url: String(b.url).replace(/\/+$/, ''), secret: b.secret };
}

export class BridgeDelivery {
  private target: BridgeTarget | null = null;
  private readonly log: BridgeDeliveryRecord[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly sleeps = new Sleeps();
  private readonly aborts = new Set<AbortController>();
  private nextId = 1;
  private closed = false;
  private counts: DeliveryCounts = { queueables: 0, callouts: 0 };
  private readonly maxAttempts: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly timeoutMs: number;
  private readonly logSize: number;
  private readonly fetchFn: typeof fetch;

  constructor(opts: BridgeDeliveryOptions = {}) {
    const max = opts.maxAttempts ?? BRIDGE_DELIVERY_DEFAULTS.maxAttempts;
    if (!Number.isInteger(max) || max < 1) throw new TypeError('[salesforce-emulator] bridge maxAttempts must be a positive integer');
    // A Transaction Finalizer may re-enqueue a failed Queueable at most five times in a row.
    this.maxAttempts = Math.min(max, BRIDGE_DELIVERY_DEFAULTS.maxAttemptsCap);
    this.retryDelaysMs = opts.retryDelaysMs ?? BRIDGE_DELIVERY_DEFAULTS.retryDelaysMs;
    if (this.retryDelaysMs.length === 0 || this.retryDelaysMs.some((d) => !(d >= 0)))
      throw new TypeError('[salesforce-emulator] bridge retryDelaysMs must be non-negative numbers');
    this.timeoutMs = opts.timeoutMs ?? BRIDGE_DELIVERY_DEFAULTS.timeoutMs;
    this.logSize = opts.logSize ?? BRIDGE_DELIVERY_DEFAULTS.logSize;
    this.fetchFn = opts.fetch ?? fetch;
  }

  set(target: BridgeTarget | null): void {
    this.target = target === null ? null : validateBridgeTarget(target);
  }

  /** The configured bridge URL (never the secret), or null. */
  get(): { url: string } | null {
    return this.target ? { url: this.target.url } : null;
  }

  deliveries(): BridgeDeliveryRecord[] {
    return this.log.map((r) => ({ ...r, events: [...r.events], attempts: [...r.attempts] }));
  }

  clear(): void {
    this.log.length = 0;
  }

  counters(): DeliveryCounts {
    return { ...this.counts };
  }

  resetCounters(): void {
    this.counts = { queueables: 0, callouts: 0 };
  }

  /** Resolves when every delivery started so far has finished (delivered or given up). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Stops pending retries and aborts in-flight posts (the emulator is closing). */
  close(): void {
    this.closed = true;
    this.sleeps.wakeAll();
    for (const c of this.aborts) c.abort();
  }

  /** Enqueues one Queueable for one subscriber batch; returns its log record at once. */
  send(events: SalesforceEvent[], duplicates = 0): BridgeDeliveryRecord {
    const target = this.target;
    const record: BridgeDeliveryRecord = {
      id: this.nextId++,
      at: new Date().toISOString(),
      url: target ? `${target.url}${EVENTS_PATH}` : null,
      status: 'pending',
      events,
      attempts: [],
      duplicates,
    };
    this.counts.queueables++;
    this.log.push(record);
    if (this.log.length > this.logSize) this.log.splice(0, this.log.length - this.logSize);
    const body = { events };
    const valid = validateSalesforceEventBatch(body);
    if (!valid.ok) {
      record.status = 'invalid';
      record.error = `not sent: ${valid.message}`;
    } else if (!target) {
      record.status = 'no_bridge';
      record.error = 'no bridge configured (emulator option `bridge`, org.setBridge or PUT /__admin/bridge)';
    } else if (!this.closed) {
      const p = this.deliver(record, target, JSON.stringify(body)).finally(() => this.running.delete(p));
      this.running.add(p);
    }
    return record;
  }

  private async deliver(record: BridgeDeliveryRecord, target: BridgeTarget, body: string): Promise<void> {
    // A Queueable runs after its transaction commits: never inside the REST call that caused it.
    await this.sleeps.sleep(0);
    for (let attempt = 1; !this.closed; attempt++) {
      // Each attempt after the first is a new Queueable the finalizer enqueued.
      if (attempt > 1) this.counts.queueables++;
      this.counts.callouts++;
      const started = Date.now();
      const controller = new AbortController();
      this.aborts.add(controller);
      const timer = setTimeout(() => controller.abort(), this.timeoutMs);
      let status: number | undefined;
      try {
        const res = await this.fetchFn(`${target.url}${EVENTS_PATH}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${target.secret}`, 'content-type': 'application/json', accept: 'application/json' },
          body,
          signal: controller.signal,
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        record.attempts.push({ at: new Date(started).toISOString(), status, durationMs: Date.now() - started });
      } catch (err) {
        const error = controller.signal.aborted ? `no answer within ${this.timeoutMs} ms` : `request failed: ${(err as Error).message}`;
        record.attempts.push({ at: new Date(started).toISOString(), error, durationMs: Date.now() - started });
      } finally {
        clearTimeout(timer);
        this.aborts.delete(controller);
      }
      if (status !== undefined && status >= 200 && status <= 299) {
        record.status = 'delivered';
        delete record.error;
        return;
      }
      record.error = status !== undefined ? `POST ${EVENTS_PATH} answered HTTP ${status}` : record.attempts.at(-1)?.error;
      if (!shouldRetryDelivery(status, attempt, this.maxAttempts)) break;
      await this.sleeps.sleep(this.retryDelaysMs[Math.min(attempt, this.retryDelaysMs.length - 1)] ?? 0);
    }
    record.status = 'failed';
    if (this.closed && record.attempts.length === 0) record.error = 'the emulator closed before the delivery';
  }
}
