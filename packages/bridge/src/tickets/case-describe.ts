/**
 * The org's Case picklist values (Type, Reason, Origin, Priority, Status), read from
 * `GET /sobjects/Case/describe` and cached, so a ticket's picklist values are checked before
 * anything is created. Every org has its own values, so they are read, never hard-coded.
 *
 * - Cached for `ttlMs` (15 minutes by default): an admin's new value is accepted within that
 *   time, and a Salesforce refusal that names a picklist (see `isPicklistRefusal`) drops the cache
 *   at once, so the next ticket reads the values again.
 * - One describe at a time per process (concurrent tickets share it).
 * - Never in the way: when the describe fails or takes longer than `waitMs`, the ticket goes on
 *   with its picklist values unchecked (Salesforce decides, and a refusal is a 422
 *   `case_rejected`), a warning is logged, and the describe is not tried again for `retryAfterMs`.
 *   Valid input is never refused because the describe was unavailable.
 * - Only active values count; record-type-specific subsets are not applied (the describe lists
 *   the object's values; Salesforce checks the record type's own subset when it saves).
 */
import type { SalesforceClient } from '@sbsf/salesforce';
import type { Logger } from 'pino';
import { CASE_PICKLIST_FIELDS, type CasePicklists } from './case-schema.js';

export interface CaseDescribeOptions {
  salesforce: Pick<SalesforceClient, 'request'>;
  logger: Pick<Logger, 'warn' | 'info'>;
  clock?: () => number;
  /** How long a describe is trusted. */
  ttlMs?: number;
  /** How long a ticket waits for a describe before going on unchecked. */
  waitMs?: number;
  /** After a failed describe, how long tickets go on unchecked before it is tried again. */
  retryAfterMs?: number;
}

export const CASE_DESCRIBE_TTL_MS = 15 * 60_000;
export const CASE_DESCRIBE_WAIT_MS = 3_000;
export const CASE_DESCRIBE_RETRY_AFTER_MS = 60_000;

interface DescribeField {
  name?: unknown;
  type?: unknown;
  picklistValues?: { active?: unknown; value?: unknown }[];
}

/** Error codes with which Salesforce refuses a picklist value. */
export function isPicklistRefusal(code: string | undefined): boolean {
  // INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, and any other code that names a picklist.
  return (code ?? '').includes('PICKLIST');
}

export class CaseDescribe {
  private cached: { at: number; picklists: CasePicklists } | undefined;
  private failedAt: number | undefined;
  private inflight: Promise<CasePicklists | null> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: CaseDescribeOptions) {
    this.now = o.clock ?? Date.now;
  }

  /** The org's picklists, or null when they cannot be known now (then Salesforce decides). */
  async picklists(): Promise<CasePicklists | null> {
    const now = this.now();
    if (this.cached && now - this.cached.at < (this.o.ttlMs ?? CASE_DESCRIBE_TTL_MS)) return this.cached.picklists;
    if (this.failedAt !== undefined && now - this.failedAt < (this.o.retryAfterMs ?? CASE_DESCRIBE_RETRY_AFTER_MS)) return null;
    this.inflight ??= this.load().finally(() => (this.inflight = undefined));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.o.waitMs ?? CASE_DESCRIBE_WAIT_MS);
      timer.unref();
    });
    try {
      return await Promise.race([this.inflight, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Forgets the values (Salesforce refused a value the cache allowed). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async load(): Promise<CasePicklists | null> {
    try {
      const body = await this.o.salesforce.request<{ fields?: DescribeField[] }>('GET', '/sobjects/Case/describe');
      const picklists = new Map<string, string[]>();
      const wanted: ReadonlySet<string> = new Set(CASE_PICKLIST_FIELDS);
      for (const f of body.fields ?? []) {
        if (typeof f.name !== 'string' || !wanted.has(f.name) || !Array.isArray(f.picklistValues)) continue;
        const values = f.picklistValues.filter((p) => p.active !== false && typeof p.value === 'string').map((p) => p.value as string);
        // A field with no values listed says nothing about what is allowed: left to Salesforce.
        if (values.length > 0) picklists.set(f.name, values);
      }
      this.cached = { at: this.now(), picklists };
      this.failedAt = undefined;
      return picklists;
    } catch (err) {
      this.failedAt = this.now();
      const code = (err as { errorCode?: string }).errorCode;
      this.o.logger.warn(
        { err: { message: err instanceof Error ? err.message : String(err), ...(code ? { code } : {}) } },
        'tickets: the Case describe is unavailable; picklist values go to Salesforce unchecked until it answers',
      );
      return null;
    }
  }
}
