/**
 * What a reconcile reads from Salesforce, in batches: the Cases (owner, closed, number, customer,
 * whether it is a chat Case, the record's SystemModstamp) 200 Ids per query, then the owners'
 * names in one query per 200 owners, and, for the sweep, the open Cases that have channels, page
 * by page. Salesforce is the truth; events only say which
 * Cases to look at.
 */
import type { SalesforceClient } from '@sbsf/salesforce';

/** Ids per `WHERE Id IN (...)`: keeps the query URL well under the 16 KB URI limit. */
export const IDS_PER_QUERY = 200;

export interface CaseFacts {
  id: string;
  caseNumber: string | null;
  ownerId: string | null;
  isClosed: boolean;
  /** Case.Status (the picklist value), or null. */
  status: string | null;
  /** Sendbird_User_Id__c: the customer, who is never removed from the channel. */
  customerUserId: string | null;
  /**
   * A chat Case: Sendbird_Ticket_Id__c is set (the bridge sets it on every Case it creates; the
   * Apex triggers and the sweep use the same test). Any other Case has no channel to act on.
   */
  isChat: boolean;
  /**
   * The Case's `SystemModstamp` (epoch ms), or null: Salesforce sets it on every save of the
   * record, so of two reads of one Case the one with the later stamp is the newer. It is the
   * version a membership apply records (reconciler.ts); two saves within one stamp are told apart
   * by reading again.
   */
  version: number | null;
}

interface CaseRow {
  Id: string;
  CaseNumber?: string | null;
  OwnerId?: string | null;
  IsClosed?: boolean | null;
  Status?: string | null;
  Sendbird_User_Id__c?: string | null;
  Sendbird_Ticket_Id__c?: string | null;
  SystemModstamp?: string | null;
}

/** Salesforce's datetime text (`2024-05-01T10:00:00.000+0000`) as epoch ms, or null. */
export function parseSalesforceDateTime(text: string | null | undefined): number | null {
  if (typeof text !== 'string') return null;
  const ms = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(ms) ? ms : null;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A SOQL string literal: backslashes and single quotes escaped (SOQL and SOSL Reference, "Quoted String Escape Sequences"). */
export const soqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

// The Ids are validated 15/18-character alphanumerics before they get here, so quoting is enough.
const idList = (ids: readonly string[]) => ids.map((id) => `'${id}'`).join(',');

/** Reads the Cases; an Id with no Case (deleted, or never one) is absent from the map. */
export async function readCases(sf: SalesforceClient, ids: readonly string[]): Promise<Map<string, CaseFacts>> {
  const out = new Map<string, CaseFacts>();
  for (const part of chunks(ids, IDS_PER_QUERY)) {
    const res = await sf.query<CaseRow>(
      'SELECT Id, CaseNumber, OwnerId, IsClosed, Status, Sendbird_User_Id__c, Sendbird_Ticket_Id__c, SystemModstamp ' +
        `FROM Case WHERE Id IN (${idList(part)})`,
    );
    for (const r of res.records) {
      out.set(r.Id, {
        id: r.Id,
        caseNumber: r.CaseNumber ?? null,
        ownerId: r.OwnerId ?? null,
        isClosed: r.IsClosed === true,
        status: typeof r.Status === 'string' ? r.Status : null,
        customerUserId: r.Sendbird_User_Id__c ?? null,
        isChat: typeof r.Sendbird_Ticket_Id__c === 'string' && r.Sendbird_Ticket_Id__c !== '',
        version: parseSalesforceDateTime(r.SystemModstamp),
      });
    }
  }
  return out;
}

/** User Id -> Name, for the agents' Sendbird nicknames. */
export async function readUserNames(sf: SalesforceClient, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks([...new Set(ids)], IDS_PER_QUERY)) {
    const res = await sf.query<{ Id: string; Name?: string | null }>(`SELECT Id, Name FROM User WHERE Id IN (${idList(part)})`);
    for (const r of res.records) if (r.Name) out.set(r.Id, r.Name);
  }
  return out;
}

/** The SOQL of the sweep: open Cases that have a chat channel (a ticket id), in a stable order. */
export const OPEN_CASES_WITH_CHANNELS =
  'SELECT Id, OwnerId, SystemModstamp FROM Case WHERE IsClosed = false AND Sendbird_Ticket_Id__c != null ORDER BY Id';

/** Epoch ms as a SOQL dateTime literal, whole seconds (rounded down), UTC. */
export const soqlDateTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The sweep's SOQL for the open chat Cases saved at or after `sinceMs` (SystemModstamp is indexed). */
export const openCasesChangedSince = (sinceMs: number): string =>
  OPEN_CASES_WITH_CHANNELS.replace(' ORDER BY Id', ` AND SystemModstamp >= ${soqlDateTime(sinceMs)} ORDER BY Id`);

/** One open chat Case as the sweep reads it. */
export interface OpenChatCase {
  id: string;
  ownerId: string | null;
  /** SystemModstamp, epoch ms. */
  version: number | null;
}

/**
 * The open chat Cases, one query batch (up to 2000) at a time: every one, or with `changedSince`
 * only those saved at or after it.
 */
export async function* openChatCases(sf: SalesforceClient, opts: { changedSince?: number } = {}): AsyncGenerator<OpenChatCase[]> {
  type Row = { Id: string; OwnerId?: string | null; SystemModstamp?: string | null };
  const soql = opts.changedSince === undefined ? OPEN_CASES_WITH_CHANNELS : openCasesChangedSince(opts.changedSince);
  let page = await sf.queryPage<Row>(soql);
  for (;;) {
    if (page.records.length > 0) {
      yield page.records.map((r) => ({ id: r.Id, ownerId: r.OwnerId ?? null, version: parseSalesforceDateTime(r.SystemModstamp) }));
    }
    if (page.done || !page.nextRecordsUrl) return;
    page = await sf.queryPage<Row>(page.nextRecordsUrl);
  }
}

/** Open Cases with channels, one query batch (up to 2000 Ids) at a time. */
export async function* openCasesWithChannels(sf: SalesforceClient): AsyncGenerator<string[]> {
  for await (const page of openChatCases(sf)) yield page.map((c) => c.id);
}
