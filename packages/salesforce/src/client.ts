/**
 * Salesforce REST client on fetch. Every method is a thin wrapper over `request()`, which owns the
 * token, the one re-login on 401 INVALID_SESSION_ID, retries with backoff, and error mapping.
 */
import { TokenCache, parseTokenResponse, tokenRequestBody } from './auth.js';
import type { AccessToken } from './auth.js';
import { SalesforceError, errorFromResponse } from './errors.js';
import { parseLimitInfo } from './limit-info.js';
import type { LimitInfo } from './limit-info.js';
import { DEFAULT_API_VERSION, DEFAULT_TIMEOUT_MS, validateOptions } from './options.js';
import type { SalesforceClientOptions, SalesforceLogger } from './options.js';
import { DEFAULT_MAX_ATTEMPTS, retryDelayMs, shouldRetry } from './retry.js';
import { exchange } from './transport.js';
import type { RawResponse } from './transport.js';
import type { CollectionResult, CompositeSubrequest, CompositeSubresponse, HttpMethod, QueryResult, SObjectFields } from './types.js';

/** sObject Collections take at most 200 records per call (REST API Developer Guide, "sObject Collections"). */
export const MAX_COLLECTION_RECORDS = 200;
/** Composite takes at most 25 subrequests per call. */
export const MAX_COMPOSITE_SUBREQUESTS = 25;

export interface RequestOptions {
  /** Extra request headers (e.g. Sforce-Query-Options). */
  headers?: Record<string, string>;
  /** May the request be sent again after a connection error? Default: every method but POST. */
  retrySafe?: boolean;
}

const enc = encodeURIComponent;

export class SalesforceClient {
  readonly apiVersion: string;
  /** sObject Collections: many records in one API call. */
  readonly collections: {
    create(records: SObjectFields[], opts?: { allOrNone?: boolean }): Promise<CollectionResult[]>;
    upsert(sobject: string, externalIdField: string, records: SObjectFields[], opts?: { allOrNone?: boolean }): Promise<CollectionResult[]>;
  };

  private readonly options: SalesforceClientOptions;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly logger: SalesforceLogger | undefined;
  private readonly now: () => number;
  private readonly tokens: TokenCache;
  private lastLimit: LimitInfo | undefined;

  constructor(options: SalesforceClientOptions) {
    validateOptions(options);
    this.options = options;
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxAttempts = options.retry?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.tokens = new TokenCache(() => this.login());
    if (options.auth.kind === 'password') {
      // Salesforce blocks this flow by default in orgs created since Summer '23 and is deprecating
      // it (help article 000886201, "Migrate from OAuth Username-Password to Client Credentials Flow").
      (this.logger ?? console).warn(
        '[salesforce] the username-password OAuth flow is deprecated and blocked by default in new orgs; ' +
          "use auth.kind 'client_credentials' (see help.salesforce.com article 000886201)",
      );
    }
    this.collections = {
      create: (records, opts) => this.collectionsCreate(records, opts),
      upsert: (sobject, field, records, opts) => this.collectionsUpsert(sobject, field, records, opts),
    };
  }

  /** The last `Sforce-Limit-Info` api-usage seen, or undefined before the first API response. */
  get limitInfo(): LimitInfo | undefined {
    return this.lastLimit ? { ...this.lastLimit } : undefined;
  }

  /** Drops the cached token; the next call logs in again. */
  clearToken(): void {
    this.tokens.clear();
  }

  /**
   * What a Pub/Sub API call carries in its metadata (`accesstoken`, `instanceurl`, `tenantid`): the
   * cached session, logging in if there is none. Pass the token a server refused as `refused` to
   * log in again (once, however many callers saw it refused).
   */
  async session(refused?: string): Promise<{ accessToken: string; instanceUrl: string; orgId: string }> {
    let token = await this.tokens.get();
    if (refused !== undefined && token.accessToken === refused) token = await this.tokens.refresh(token);
    const orgId = /\/id\/(00D[0-9A-Za-z]{12,15})\//.exec(token.id ?? '')?.[1];
    if (!orgId) throw new Error('[salesforce] the token response has no identity URL naming the org (id)');
    return { accessToken: token.accessToken, instanceUrl: (this.options.instanceUrl ?? token.instanceUrl).replace(/\/+$/, ''), orgId };
  }

  // ---- sObject rows -------------------------------------------------------------------------

  /**
   * Creates a record. Not retried after a connection error once the request may have been sent,
   * since that could create it twice: prefer `upsert` on an External Id when a retry must be safe.
   */
  async create(sobject: string, fields: SObjectFields): Promise<{ id: string }> {
    const body = await this.request<{ id: string }>('POST', `/sobjects/${enc(sobject)}`, fields, { retrySafe: false });
    return { id: body.id };
  }

  async get<T = SObjectFields>(sobject: string, id: string, fields?: string[]): Promise<T> {
    const q = fields?.length ? `?fields=${fields.map(enc).join(',')}` : '';
    return this.request<T>('GET', `/sobjects/${enc(sobject)}/${enc(id)}${q}`);
  }

  async update(sobject: string, id: string, fields: SObjectFields): Promise<void> {
    await this.request('PATCH', `/sobjects/${enc(sobject)}/${enc(id)}`, fields);
  }

  async delete(sobject: string, id: string): Promise<void> {
    await this.request('DELETE', `/sobjects/${enc(sobject)}/${enc(id)}`);
  }

  /** Insert or update by External Id: 201 = created, 200 = updated. Safe to retry. */
  async upsert(
    sobject: string,
    externalIdField: string,
    externalId: string,
    fields: SObjectFields,
  ): Promise<{ id: string; created: boolean }> {
    const res = await this.call('PATCH', `/sobjects/${enc(sobject)}/${enc(externalIdField)}/${enc(externalId)}`, fields, {
      retrySafe: true,
    });
    const body = (res.body ?? {}) as { id?: string; created?: boolean };
    return { id: body.id ?? '', created: res.status === 201 };
  }

  // ---- query ----------------------------------------------------------------------------------

  /** Runs a SOQL query and follows `nextRecordsUrl` until every record is read. */
  async query<T = SObjectFields>(soql: string, opts: { batchSize?: number } = {}): Promise<QueryResult<T>> {
    let page = await this.queryPage<T>(soql, opts);
    const records = [...page.records];
    while (!page.done && page.nextRecordsUrl) {
      page = await this.queryPage<T>(page.nextRecordsUrl, opts);
      records.push(...page.records);
    }
    return { totalSize: page.totalSize, done: true, records };
  }

  /** One batch: pass SOQL for the first, or a `nextRecordsUrl` for the next. */
  async queryPage<T = SObjectFields>(soqlOrNextUrl: string, opts: { batchSize?: number } = {}): Promise<QueryResult<T>> {
    const path = soqlOrNextUrl.startsWith('/services/data/') ? soqlOrNextUrl : `/query?q=${enc(soqlOrNextUrl)}`;
    const headers: Record<string, string> = {};
    // "Sforce-Query-Options: batchSize=N", 200..2000 (REST API Developer Guide, "Query Options Header").
    if (opts.batchSize !== undefined) headers['Sforce-Query-Options'] = `batchSize=${opts.batchSize}`;
    return this.request<QueryResult<T>>('GET', path, undefined, { headers });
  }

  // ---- composite ------------------------------------------------------------------------------

  /**
   * Up to 25 subrequests in one API call; `@{ref.id}` references pass through untouched. Returns
   * every subresponse (failed ones included); only a failure of the whole call throws.
   */
  async composite(
    subrequests: CompositeSubrequest[],
    opts: { allOrNone?: boolean; retrySafe?: boolean } = {},
  ): Promise<CompositeSubresponse[]> {
    if (subrequests.length > MAX_COMPOSITE_SUBREQUESTS) {
      throw new RangeError(`[salesforce] composite takes at most ${MAX_COMPOSITE_SUBREQUESTS} subrequests (got ${subrequests.length})`);
    }
    const retrySafe = opts.retrySafe ?? subrequests.every((s) => s.method !== 'POST');
    const body = await this.request<{ compositeResponse: CompositeSubresponse[] }>(
      'POST',
      '/composite',
      { allOrNone: opts.allOrNone ?? false, compositeRequest: subrequests },
      { retrySafe },
    );
    return body.compositeResponse;
  }

  private checkBatch(what: string, records: SObjectFields[]): void {
    if (!Array.isArray(records)) throw new TypeError(`[salesforce] ${what}: records must be an array`);
    if (records.length > MAX_COLLECTION_RECORDS) {
      throw new RangeError(
        `[salesforce] ${what} takes at most ${MAX_COLLECTION_RECORDS} records per call (got ${records.length}); split the list`,
      );
    }
  }

  private async collectionsCreate(records: SObjectFields[], opts: { allOrNone?: boolean } = {}): Promise<CollectionResult[]> {
    this.checkBatch('collections.create', records);
    records.forEach((r, i) => {
      const type = (r.attributes as { type?: unknown } | undefined)?.type;
      if (typeof type !== 'string' || !type) {
        throw new TypeError(`[salesforce] collections.create: records[${i}].attributes.type is required`);
      }
    });
    if (records.length === 0) return [];
    return this.request<CollectionResult[]>(
      'POST',
      '/composite/sobjects',
      { allOrNone: opts.allOrNone ?? false, records },
      { retrySafe: false },
    );
  }

  private async collectionsUpsert(
    sobject: string,
    externalIdField: string,
    records: SObjectFields[],
    opts: { allOrNone?: boolean } = {},
  ): Promise<CollectionResult[]> {
    this.checkBatch('collections.upsert', records);
    if (records.length === 0) return [];
    const typed = records.map((r) => (r.attributes ? r : { attributes: { type: sobject }, ...r }));
    return this.request<CollectionResult[]>(
      'PATCH',
      `/composite/sobjects/${enc(sobject)}/${enc(externalIdField)}`,
      { allOrNone: opts.allOrNone ?? false, records: typed },
      { retrySafe: true },
    );
  }

  // ---- core -----------------------------------------------------------------------------------

  /**
   * The one core every method uses. `path` is relative to /services/data/vXX.X (e.g.
   * '/sobjects/Case'), or absolute from the instance when it starts with '/services/'.
   */
  async request<T = unknown>(method: HttpMethod, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return (await this.call(method, path, body, opts)).body as T;
  }

  private resolve(token: AccessToken, path: string): string {
    if (!path.startsWith('/')) throw new TypeError(`[salesforce] request path must start with '/' (got ${JSON.stringify(path)})`);
    const base = (this.options.instanceUrl ?? token.instanceUrl).replace(/\/+$/, '');
    return path.startsWith('/services/') ? base + path : `${base}/services/data/v${this.apiVersion}${path}`;
  }

  private async call(method: HttpMethod, path: string, body: unknown, opts: RequestOptions): Promise<RawResponse> {
    const retrySafe = opts.retrySafe ?? method !== 'POST';
    const what = `${method} ${path.split('?')[0]}`;
    let reloggedIn = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.get();
      const headers: Record<string, string> = {
        Authorization: `Bearer ${token.accessToken}`,
        Accept: 'application/json',
        ...opts.headers,
      };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let res: RawResponse;
      try {
        res = await exchange(
          this.fetchImpl,
          this.resolve(token, path),
          { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) },
          this.timeoutMs,
          what,
        );
      } catch (err) {
        await this.backoffOrThrow(err, attempt, retrySafe, what);
        continue;
      }
      const limit = parseLimitInfo(res.headers.get('sforce-limit-info'));
      if (limit) this.lastLimit = limit;
      if (res.status < 300) return res;
      const error = errorFromResponse(res.status, res.body);
      if (res.status === 401 && error.errorCode === 'INVALID_SESSION_ID' && !reloggedIn) {
        // The token expired or was revoked: log in once more and repeat this request once.
        reloggedIn = true;
        attempt -= 1;
        await this.tokens.refresh(token);
        continue;
      }
      await this.backoffOrThrow(error, attempt, retrySafe, what);
    }
  }

  private async backoffOrThrow(error: unknown, attempt: number, retrySafe: boolean, what: string): Promise<void> {
    if (!shouldRetry({ attempt, maxAttempts: this.maxAttempts, error, retrySafe })) throw error;
    const delayMs = retryDelayMs(attempt, this.options.retry);
    const code = error instanceof SalesforceError ? `${error.status} ${error.errorCode}` : String(error);
    this.logger?.warn(`[salesforce] ${what} failed (${code}); retrying`, { attempt, delayMs });
    await new Promise((r) => setTimeout(r, delayMs));
  }

  private async login(): Promise<AccessToken> {
    const url = `${this.options.loginUrl.replace(/\/+$/, '')}/services/oauth2/token`;
    const what = 'POST /services/oauth2/token';
    for (let attempt = 1; ; attempt++) {
      let res: RawResponse;
      try {
        res = await exchange(
          this.fetchImpl,
          url,
          {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
            body: tokenRequestBody(this.options.auth, this.now()).toString(),
          },
          this.timeoutMs,
          what,
        );
      } catch (err) {
        // A token request has no side effect worth fearing: always safe to repeat.
        await this.backoffOrThrow(err, attempt, true, what);
        continue;
      }
      if (res.status === 200) {
        const token = parseTokenResponse(res.body);
        this.logger?.info?.('[salesforce] obtained an access token', { flow: this.options.auth.kind, instanceUrl: token.instanceUrl });
        return token;
      }
      await this.backoffOrThrow(errorFromResponse(res.status, res.body), attempt, true, what);
    }
  }
}
