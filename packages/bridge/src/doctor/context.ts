/**
 * What the checks share: the config, a Salesforce client that does not retry (a doctor reports
 * at once), the session once logged in, describes read once, and the clock readings of both
 * services (from their `Date` headers) for the clock check.
 */
import { SalesforceClient } from '@sbsf/salesforce';
import { salesforceAuth } from '../clients.js';
import type { BridgeConfig } from '../config.js';

export interface ServerClock {
  /** The service's clock minus ours, in ms (its `Date` header has whole seconds). */
  skewMs: number;
}

export interface DoctorContext {
  config: BridgeConfig;
  fetch: typeof fetch;
  now: () => number;
  salesforce: SalesforceClient;
  /** Set by the login check. */
  session?: { instanceUrl: string; orgId: string };
  /** Object describes by name, read once (null: the object is not visible). */
  describes: Map<string, DescribeResult | null>;
  clocks: { salesforce?: ServerClock; sendbird?: ServerClock };
  /** Set by the Sendbird token check: whether Sendbird answered 429 to any doctor call. */
  sendbirdRateLimited?: { retryAfterMs: number | undefined };
}

export interface DescribeField {
  name: string;
  createable: boolean;
  updateable: boolean;
  externalId?: boolean;
}

export interface DescribeResult {
  name: string;
  fields: DescribeField[];
}

export const DOCTOR_UPSTREAM_TIMEOUT_MS = 10_000;

/** Ends a doctor's own call that gets no answer, so no request outlives its check. */
export const upstreamSignal = (): AbortSignal => AbortSignal.timeout(DOCTOR_UPSTREAM_TIMEOUT_MS);

export function createDoctorContext(config: BridgeConfig, opts: { fetch?: typeof fetch; now?: () => number } = {}): DoctorContext {
  const f = opts.fetch ?? fetch;
  return {
    config,
    fetch: f,
    now: opts.now ?? Date.now,
    salesforce: new SalesforceClient({
      loginUrl: config.salesforce.loginUrl,
      apiVersion: config.salesforce.apiVersion,
      auth: salesforceAuth(config.salesforce),
      fetch: f,
      timeoutMs: config.upstream.timeoutMs ?? DOCTOR_UPSTREAM_TIMEOUT_MS,
      // The doctor reports what it sees at once: no retries, and the flow's deprecation is a check of its own.
      retry: { maxAttempts: 1 },
      logger: { warn: () => undefined, info: () => undefined },
    }),
    describes: new Map(),
    clocks: {},
  };
}

/** The service's clock against ours from a response's `Date` header, taken when the answer arrived. */
export function clockFrom(headers: Headers, receivedAt: number): ServerClock | undefined {
  const date = headers.get('date');
  const at = date ? Date.parse(date) : NaN;
  if (!Number.isFinite(at)) return undefined;
  // The header is truncated to the second: the service's clock was anywhere in [at, at + 1 s).
  return { skewMs: at + 500 - receivedAt };
}
