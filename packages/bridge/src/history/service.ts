/**
 * The customer's other Cases for the agent panel (`POST /agents/history`), read as the agent may
 * see them:
 * 1. who the customer is: the ticket the bridge opened for the Case (store), else the Case's
 *    `Sendbird_User_Id__c` read from Salesforce (unknown Case 404, not a chat Case 422);
 * 2. the customer's Cases, newest first, each with its last chat message, in ONE query (a child
 *    subquery on `Sendbird_Messages__r`, the master-detail of the transcript), cached per customer;
 * 3. which of them the agent may read: the bridge runs as the integration user, who sees every
 *    Case, so it asks `UserRecordAccess` for the agent (one query for every pair not cached),
 *    cached per agent x Case. The Case asked about must be readable too (else 403), so an agent
 *    cannot read the history of a customer whose Case they cannot see.
 * Both caches live HISTORY_CACHE_TTL_SECONDS and are bounded: a Case closed, renamed or handed to
 * someone else meanwhile shows as it was for up to that long (docs/agent-panel.md).
 */
import { SalesforceError, SalesforceNotFoundError, type SalesforceClient } from '@sbsf/salesforce';
import type { CaseHistory, CaseHistoryEntry } from '@sbsf/wire';
import { rememberBounded } from '../bounded-map.js';
import { soqlString } from '../case-reads.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/types.js';
import { classifyFailure } from '../upstream-failure.js';

/** Cases shown at most. */
export const HISTORY_LIMIT = 20;
/**
 * Cases read at most: more than shown, so that Cases the agent may not see leave room for
 * others, and well under UserRecordAccess's 200 record Ids per query with the Case asked about.
 */
export const HISTORY_READ_LIMIT = 50;
/** Suggested wait before asking again while Salesforce cannot be reached. */
export const HISTORY_RETRY_AFTER_SECONDS = 5;

/** The customer's Cases with the last message of each (the newest non-system message not deleted in the chat). */
export const customerCasesSoql = (customerUserId: string): string =>
  'SELECT Id, CaseNumber, Subject, Status, IsClosed, CreatedDate, ' +
  '(SELECT Body__c, Message_Type__c, Sender_Role__c, Sender_Name__c, Sent_At__c, File_Name__c FROM Sendbird_Messages__r ' +
  "WHERE Message_Type__c != 'ADMM' AND Is_Deleted_In_Chat__c = false ORDER BY Sent_At__c DESC NULLS LAST LIMIT 1) " +
  `FROM Case WHERE Sendbird_User_Id__c = ${soqlString(customerUserId)} ORDER BY CreatedDate DESC, Id DESC LIMIT ${HISTORY_READ_LIMIT + 1}`;

/** The agent's read access to these records (at most 200 Ids, UserRecordAccess's limit). */
export const recordAccessSoql = (userId: string, recordIds: readonly string[]): string =>
  `SELECT RecordId, HasReadAccess FROM UserRecordAccess WHERE UserId = ${soqlString(userId)} ` +
  `AND RecordId IN (${recordIds.map(soqlString).join(', ')})`;

interface MessageRow {
  Body__c?: string | null;
  Message_Type__c?: string | null;
  Sender_Role__c?: string | null;
  Sender_Name__c?: string | null;
  Sent_At__c?: string | null;
  File_Name__c?: string | null;
}

interface CaseRow {
  Id: string;
  CaseNumber?: string | null;
  Subject?: string | null;
  Status?: string | null;
  IsClosed?: boolean | null;
  CreatedDate?: string | null;
  Sendbird_Messages__r?: { records: MessageRow[] } | null;
}

/** One Case as cached, with `id` (18 characters) for the access check. */
type Entry = CaseHistoryEntry;

interface Timed<V> {
  value: V;
  expiresAt: number;
}

/** A bounded map whose entries are forgotten `ttlMs` after they were set. */
class ExpiringMap<V> {
  private readonly map = new Map<string, Timed<V>>();
  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    rememberBounded(this.map, key, { value, expiresAt: this.now() + this.ttlMs }, this.max);
  }
}

export interface CaseHistoryServiceOptions {
  sf: SalesforceClient;
  store: Pick<Store, 'getTicketByCase'>;
  cacheTtlMs: number;
  cacheMaxEntries: number;
  clock?: () => number;
}

export class CaseHistoryService {
  /** Customer -> their Cases. */
  private readonly customers: ExpiringMap<Entry[]>;
  /** `agent:record` -> may read. */
  private readonly access: ExpiringMap<boolean>;
  /** Case -> customer, for Cases the store does not know. */
  private readonly caseCustomers: ExpiringMap<string>;

  constructor(private readonly o: CaseHistoryServiceOptions) {
    const now = o.clock ?? Date.now;
    this.customers = new ExpiringMap(o.cacheTtlMs, o.cacheMaxEntries, now);
    this.access = new ExpiringMap(o.cacheTtlMs, o.cacheMaxEntries, now);
    this.caseCustomers = new ExpiringMap(o.cacheTtlMs, o.cacheMaxEntries, now);
  }

  /** Both Ids in their 18-character form. Throws AppError 404, 422, 403, 503 or 502. */
  async history(agentId: string, caseId: string): Promise<CaseHistory> {
    try {
      const customer = (await this.o.store.getTicketByCase(caseId))?.customerUserId ?? (await this.customerFromSalesforce(caseId));
      const cases = await this.customerCases(customer);
      const readable = await this.readable(agentId, [caseId, ...cases.map((c) => c.id)]);
      if (!readable.has(caseId)) {
        throw new AppError(403, 'case_not_visible', `You cannot see Case ${caseId}, so its customer's history is not shown`, {
          field: 'caseId',
        });
      }
      return { caseId, cases: cases.filter((c) => c.id !== caseId && readable.has(c.id)).slice(0, HISTORY_LIMIT) };
    } catch (err) {
      throw historyFailure(err);
    }
  }

  /** A chat Case has a ticket id and a customer (the test of case-reads.ts, with the customer it needs here). */
  private async customerFromSalesforce(caseId: string): Promise<string> {
    const cached = this.caseCustomers.get(caseId);
    if (cached) return cached;
    type Row = { Sendbird_User_Id__c?: string | null; Sendbird_Ticket_Id__c?: string | null };
    let row: Row;
    try {
      row = await this.o.sf.get<Row>('Case', caseId, ['Sendbird_User_Id__c', 'Sendbird_Ticket_Id__c']);
    } catch (err) {
      if (err instanceof SalesforceNotFoundError) {
        throw new AppError(404, 'case_not_found', `No Case ${caseId} in Salesforce (deleted, or not a Case Id)`, { field: 'caseId' });
      }
      throw err;
    }
    const customer = row.Sendbird_User_Id__c;
    if (typeof customer !== 'string' || customer === '' || !row.Sendbird_Ticket_Id__c) {
      const message = `Case ${caseId} is not a chat Case (no Sendbird_Ticket_Id__c or Sendbird_User_Id__c): it has no chat customer to show the history of`;
      throw new AppError(422, 'not_chat_case', message, { field: 'caseId' });
    }
    this.caseCustomers.set(caseId, customer);
    return customer;
  }

  private async customerCases(customer: string): Promise<Entry[]> {
    const cached = this.customers.get(customer);
    if (cached) return cached;
    const res = await this.o.sf.query<CaseRow>(customerCasesSoql(customer));
    const cases = res.records.map(toEntry);
    this.customers.set(customer, cases);
    return cases;
  }

  /** Of these records, those the agent may read: cached answers, then one query for the rest. */
  private async readable(agentId: string, ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const unknown: string[] = [];
    for (const id of new Set(ids)) {
      const known = this.access.get(`${agentId}:${id}`);
      if (known === undefined) unknown.push(id);
      else if (known) out.add(id);
    }
    if (unknown.length === 0) return out;
    const res = await this.o.sf.query<{ RecordId: string; HasReadAccess?: boolean }>(recordAccessSoql(agentId, unknown));
    const granted = new Set(res.records.filter((r) => r.HasReadAccess === true).map((r) => r.RecordId));
    for (const id of unknown) {
      // Salesforce answers with 18-character Ids; compare on the case-sensitive 15-character part.
      const yes = [...granted].some((g) => g.slice(0, 15) === id.slice(0, 15));
      this.access.set(`${agentId}:${id}`, yes);
      if (yes) out.add(id);
    }
    return out;
  }
}

function toEntry(r: CaseRow): Entry {
  const m = r.Sendbird_Messages__r?.records[0];
  return {
    id: r.Id,
    caseNumber: r.CaseNumber ?? '',
    subject: r.Subject ?? null,
    status: r.Status ?? null,
    isClosed: r.IsClosed === true,
    createdAt: r.CreatedDate ?? null,
    lastMessage: m
      ? {
          // A file without a caption shows as its name.
          body: m.Body__c || (m.File_Name__c ? `File: ${m.File_Name__c}` : ''),
          senderRole: m.Sender_Role__c ?? null,
          senderName: m.Sender_Name__c ?? null,
          sentAt: m.Sent_At__c ?? null,
        }
      : null,
  };
}

/** Salesforce's failures as answers; anything else (a store outage) goes to the error handler as it is. */
function historyFailure(err: unknown): unknown {
  if (!(err instanceof SalesforceError)) return err;
  const failure = classifyFailure(err);
  if (failure.kind === 'retryable') {
    const message = 'Salesforce could not be reached to read the customer history; retry in a moment';
    return new AppError(503, 'salesforce_unavailable', message, { retryAfterSeconds: HISTORY_RETRY_AFTER_SECONDS }, { cause: err });
  }
  return new AppError(502, 'salesforce_refused', `Salesforce refused the customer history query (${failure.code})`, {}, { cause: err });
}
