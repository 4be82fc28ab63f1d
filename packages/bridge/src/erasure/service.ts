/**
 * Privacy erasure of one customer, in both systems and in the bridge (docs/bridge.md, "Erasing a
 * customer"). An erasure is a fixed list of steps, each idempotent and journaled in the store with
 * its receipt entries in the ledger:
 *
 * 1. `plan`: the customer's tickets (by Sendbird user id, or every user whose tickets gave that
 *    email), their Cases (and any other Case carrying the user id in `Sendbird_User_Id__c`), and the
 *    support channels (named after the Cases).
 * 2. `sendbird.channels`: the support channels are deleted, with every message in them. First, so
 *    that nothing is left for the transcript to mirror again while the rest is erased.
 * 3. `sendbird.user`: the customer's Sendbird users are deleted.
 * 4. `salesforce.files`: the Files on the Cases (ContentDocument, with its versions and links).
 * 5. `salesforce.transcript`: the transcript records (Sendbird_Message__c, or the bridge's
 *    CaseComments in `case_comment` mode).
 * 6. `salesforce.case`: the Cases' personal fields are cleared (`redact`) or the Cases deleted.
 * 7. `salesforce.recheck`: the Files and transcript records are listed again, and any found are
 *    deleted: a transcript write that was already under way when the erasure began (a flush, or a
 *    webhook Sendbird retried) may have landed after step 5 read the list.
 * 8. `bridge.rows`: tickets, their idempotency keys and the transcript rows deleted; the ledger
 *    entries of these tickets, Cases and users become tombstones (no personal data left); the
 *    erasure is marked done and forgets whom it erased.
 *
 * A crash between a step's calls and its journal entry repeats the step: a record already deleted
 * answers "not found", which counts as done (the receipt says how many were `alreadyGone`), and a
 * redaction writes the same values again. A step journaled is never run again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { SalesforceNotFoundError, type SalesforceClient } from '@sbsf/salesforce';
import { SendbirdNotFoundError, type SendbirdClient } from '@sbsf/sendbird';
import { soqlString } from '../case-reads.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Erasure, ErasureCaseAction, ErasurePlan, ErasureSubject, NewLedgerEntry, Store, Ticket } from '../store/types.js';
import { MESSAGE_OBJECT } from '../transcript/records.js';

export const ERASURE_JOB = 'erasure.run';

export const ERASURE_STEPS = [
  'plan',
  'sendbird.channels',
  'sendbird.user',
  'salesforce.files',
  'salesforce.transcript',
  'salesforce.case',
  'salesforce.recheck',
  'bridge.rows',
] as const;
export type ErasureStep = (typeof ERASURE_STEPS)[number];

/**
 * What `redact` writes on a Case: the standard fields where a customer's own words and contact
 * details go (the ticket form's fields), the Sendbird user id the bridge set, and the comment the
 * customer left with the satisfaction rating (the rating itself is kept for reports).
 */
export const REDACTED_CASE_FIELDS: Readonly<Record<string, string | null>> = {
  Subject: '[erased]',
  Description: null,
  SuppliedName: null,
  SuppliedEmail: null,
  SuppliedPhone: null,
  SuppliedCompany: null,
  Sendbird_User_Id__c: null,
  Sendbird_CSAT_Comment__c: null,
};

/** What a dry run finds: everything that would go, by id where the id is not personal data. */
export interface ErasurePreview {
  caseAction: ErasureCaseAction;
  tickets: number;
  sendbirdUsers: number;
  caseIds: string[];
  channelUrls: string[];
  fileIds: string[];
  transcriptRecordIds: string[];
  /** An erasure of this customer already recorded (its id and state), if any. */
  existing: { id: string; state: Erasure['state'] } | null;
}

const MAX_SUBJECT_LENGTH = 320;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The customer named in a request: `{sendbirdUserId}` or `{email}`, exactly one. Throws a 400 AppError. */
export function parseSubject(input: unknown): ErasureSubject {
  const c = input as { sendbirdUserId?: unknown; email?: unknown } | null;
  if (!c || typeof c !== 'object' || Array.isArray(c)) {
    throw new AppError(400, 'invalid_customer', 'customer must be an object with sendbirdUserId or email');
  }
  const hasUser = c.sendbirdUserId !== undefined;
  const hasEmail = c.email !== undefined;
  if (hasUser === hasEmail) throw new AppError(400, 'invalid_customer', 'give exactly one of customer.sendbirdUserId and customer.email');
  const value = hasUser ? c.sendbirdUserId : c.email;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_SUBJECT_LENGTH) {
    throw new AppError(
      400,
      'invalid_customer',
      `customer.${hasUser ? 'sendbirdUserId' : 'email'} must be a non-empty string of at most ${MAX_SUBJECT_LENGTH} characters`,
    );
  }
  if (hasEmail && !EMAIL.test(value)) throw new AppError(400, 'invalid_customer', 'customer.email is not an email address');
  return hasUser ? { kind: 'user', userId: value } : { kind: 'email', email: value.toLowerCase() };
}

export function parseCaseAction(input: unknown): ErasureCaseAction {
  if (input === undefined) return 'redact';
  if (input === 'redact' || input === 'delete') return input;
  throw new AppError(400, 'invalid_case_action', 'caseAction must be "redact" or "delete"');
}

const subjectText = (s: ErasureSubject) => (s.kind === 'user' ? `user:${s.userId}` : `email:${s.email}`);

/** The key an erasure is found by: a digest, so a done erasure keeps no identifier in clear. */
export const subjectHash = (s: ErasureSubject): string => createHash('sha256').update(subjectText(s)).digest('hex');

function subjectFrom(text: string): ErasureSubject {
  return text.startsWith('user:') ? { kind: 'user', userId: text.slice(5) } : { kind: 'email', email: text.slice(6) };
}

/** A SOQL string literal (backslash and quote escaped, as the SOQL reference says). */
const soqlList = (values: readonly string[]) => values.map(soqlString).join(', ');

/** Ids per SOQL `IN (...)`, well under the query length limit. */
const SOQL_IN_CHUNK = 200;

function chunks<T>(list: readonly T[], n = SOQL_IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += n) out.push(list.slice(i, i + n));
  return out;
}

const uniq = (xs: Iterable<string | null | undefined>) => [...new Set([...xs].filter((x): x is string => !!x))].sort();

export interface ErasureServiceOptions {
  store: Store;
  salesforce: SalesforceClient;
  sendbird: SendbirdClient;
  logger: Logger;
  transcriptMode: 'object' | 'case_comment';
  clock?: () => number;
}

export class ErasureService {
  private readonly now: () => number;

  constructor(private readonly o: ErasureServiceOptions) {
    this.now = o.clock ?? Date.now;
  }

  /** Lists what an erasure would remove, changing nothing. */
  async preview(subject: ErasureSubject, caseAction: ErasureCaseAction): Promise<ErasurePreview> {
    const found = await this.find(subject);
    const existing = await this.o.store.getErasureBySubject(subjectHash(subject));
    return {
      caseAction,
      tickets: found.tickets.length,
      sendbirdUsers: found.userIds.length,
      caseIds: found.caseIds,
      channelUrls: found.channelUrls,
      fileIds: await this.fileIds(found.caseIds),
      transcriptRecordIds: await this.transcriptIds(found.caseIds),
      existing: existing ? { id: existing.id, state: existing.state } : null,
    };
  }

  /** Records an erasure (with its job when `job` is true), or finds the one of the same customer. */
  start(
    subject: ErasureSubject,
    caseAction: ErasureCaseAction,
    requestedBy: string,
    opts: { job?: boolean } = {},
  ): Promise<{ erasure: Erasure; created: boolean }> {
    const id = randomUUID();
    return this.o.store.startErasure(
      { id, subjectHash: subjectHash(subject), subject: subjectText(subject), caseAction, requestedBy },
      opts.job ? { job: { kind: ERASURE_JOB, payload: { erasureId: id }, dedupeKey: `erasure:${id}`, runAt: this.now() } } : {},
    );
  }

  /** Runs every step the erasure's journal does not hold yet; returns the erasure as it ends. */
  async run(id: string): Promise<Erasure> {
    let e = await this.o.store.getErasure(id);
    if (!e) throw new AppError(404, 'erasure_not_found', `no erasure ${id}`);
    try {
      for (const step of ERASURE_STEPS) {
        if (e.state === 'done') break;
        if (e.steps[step]) continue;
        await this.step(e, step);
        e = (await this.o.store.getErasure(id))!;
      }
    } catch (err) {
      await this.o.store.recordErasureError(id, err instanceof Error ? err.message : String(err));
      throw err;
    }
    return e;
  }

  private async step(e: Erasure, step: ErasureStep): Promise<void> {
    const subject = e.subject === null ? null : subjectFrom(e.subject);
    if (!subject) return;
    const plan = e.plan;
    const receipt = (system: 'salesforce' | 'sendbird', action: string, detail: Record<string, unknown>): NewLedgerEntry => ({
      system,
      action,
      outcome: 'ok',
      detail: { erasureId: e.id, requestedBy: e.requestedBy, ...detail },
    });
    const journal = (count: number, ids: string[] | undefined, entries: NewLedgerEntry[]) =>
      this.o.store.recordErasureStep(e.id, step, { at: this.now(), count, ...(ids ? { ids } : {}) }, entries);
    this.o.logger.info({ erasureId: e.id, step }, 'erasure step');

    switch (step) {
      case 'plan': {
        const found = await this.find(subject);
        const p: ErasurePlan = {
          ticketIds: found.tickets.map((t) => t.id),
          caseIds: found.caseIds,
          channelUrls: found.channelUrls,
          users: found.userIds.length,
        };
        await this.o.store.setErasurePlan(e.id, p);
        await journal(p.ticketIds.length, undefined, []);
        return;
      }
      case 'sendbird.channels': {
        const urls = plan!.channelUrls;
        const gone = await this.eachGone(urls, (url) => this.o.sendbird.deleteGroupChannel(url));
        await journal(urls.length, urls, [
          receipt('sendbird', 'erasure.channels.delete', { count: urls.length, alreadyGone: gone, channels: urls }),
        ]);
        return;
      }
      case 'sendbird.user': {
        const userIds = (await this.find(subject, { salesforce: false })).userIds;
        const gone = await this.eachGone(userIds, (u) => this.o.sendbird.deleteUser(u));
        // The user ids themselves are personal data: the receipt keeps how many only.
        await journal(userIds.length, undefined, [
          receipt('sendbird', 'erasure.users.delete', { count: userIds.length, alreadyGone: gone }),
        ]);
        return;
      }
      case 'salesforce.files': {
        const ids = await this.fileIds(plan!.caseIds);
        const gone = await this.eachGone(ids, (id) => this.o.salesforce.delete('ContentDocument', id));
        await journal(ids.length, ids, [receipt('salesforce', 'erasure.files.delete', { count: ids.length, alreadyGone: gone, ids })]);
        return;
      }
      case 'salesforce.transcript': {
        const object = this.o.transcriptMode === 'object' ? MESSAGE_OBJECT : 'CaseComment';
        const ids = await this.transcriptIds(plan!.caseIds);
        const gone = await this.eachGone(ids, (id) => this.o.salesforce.delete(object, id));
        await journal(ids.length, ids, [
          receipt('salesforce', 'erasure.transcript.delete', { object, count: ids.length, alreadyGone: gone, ids }),
        ]);
        return;
      }
      case 'salesforce.case': {
        const ids = plan!.caseIds;
        const gone = await this.eachGone(ids, (caseId) =>
          e.caseAction === 'delete'
            ? this.o.salesforce.delete('Case', caseId)
            : this.o.salesforce.update('Case', caseId, { ...REDACTED_CASE_FIELDS }),
        );
        const action = e.caseAction === 'delete' ? 'erasure.cases.delete' : 'erasure.cases.redact';
        const fields = e.caseAction === 'redact' ? { fields: Object.keys(REDACTED_CASE_FIELDS) } : {};
        await journal(ids.length, ids, [receipt('salesforce', action, { count: ids.length, alreadyGone: gone, ids, ...fields })]);
        return;
      }
      case 'salesforce.recheck': {
        const object = this.o.transcriptMode === 'object' ? MESSAGE_OBJECT : 'CaseComment';
        const files = await this.fileIds(plan!.caseIds);
        const records = await this.transcriptIds(plan!.caseIds);
        const gone =
          (await this.eachGone(files, (id) => this.o.salesforce.delete('ContentDocument', id))) +
          (await this.eachGone(records, (id) => this.o.salesforce.delete(object, id)));
        const ids = [...files, ...records];
        // Usually nothing: the receipt names this step only when it found something.
        const entries = ids.length ? [receipt('salesforce', 'erasure.late.delete', { count: ids.length, alreadyGone: gone, ids })] : [];
        await journal(ids.length, ids, entries);
        return;
      }
      case 'bridge.rows': {
        const userIds = (await this.find(subject, { salesforce: false })).userIds;
        const counts = await this.o.store.finishErasure(e.id, { ticketIds: plan!.ticketIds, caseIds: plan!.caseIds, userIds }, step);
        this.o.logger.info({ erasureId: e.id, ...counts }, 'erasure done');
        return;
      }
    }
  }

  /** The customer's tickets, Sendbird users, Cases and channels. */
  private async find(subject: ErasureSubject, opts: { salesforce?: boolean } = {}) {
    const tickets: Ticket[] = await this.o.store.findCustomerTickets(subject);
    const userIds = uniq([...(subject.kind === 'user' ? [subject.userId] : []), ...tickets.map((t) => t.customerUserId)]);
    const caseIds = new Set(uniq(tickets.map((t) => t.caseId)));
    if (opts.salesforce !== false) {
      for (const part of chunks(userIds)) {
        const res = await this.o.salesforce.query<{ Id: string }>(`SELECT Id FROM Case WHERE Sendbird_User_Id__c IN (${soqlList(part)})`);
        for (const r of res.records) caseIds.add(r.Id);
      }
    }
    const cases = [...caseIds].sort();
    // A support channel is named after its Case (docs/bridge.md).
    const channelUrls = uniq([...cases, ...tickets.map((t) => t.channelUrl)]);
    return { tickets, userIds, caseIds: cases, channelUrls };
  }

  /** The Files linked to these Cases (ContentDocument Ids). */
  private async fileIds(caseIds: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const part of chunks(caseIds)) {
      const res = await this.o.salesforce.query<{ ContentDocumentId: string }>(
        `SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId IN (${soqlList(part)})`,
      );
      ids.push(...res.records.map((r) => r.ContentDocumentId));
    }
    return uniq(ids);
  }

  /** The transcript records on these Cases: the custom object's, or the bridge's own CaseComments. */
  private async transcriptIds(caseIds: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const part of chunks(caseIds)) {
      if (this.o.transcriptMode === 'object') {
        const res = await this.o.salesforce.query<{ Id: string }>(`SELECT Id FROM ${MESSAGE_OBJECT} WHERE Case__c IN (${soqlList(part)})`);
        ids.push(...res.records.map((r) => r.Id));
      } else {
        // Only the comments the transcript wrote (each ends with its Sendbird message id), not the agents' own.
        const res = await this.o.salesforce.query<{ Id: string; CommentBody: string | null }>(
          `SELECT Id, CommentBody FROM CaseComment WHERE ParentId IN (${soqlList(part)})`,
        );
        ids.push(...res.records.filter((r) => /\nSendbird message \d+$|^Sendbird message \d+$/.test(r.CommentBody ?? '')).map((r) => r.Id));
      }
    }
    return uniq(ids);
  }

  /**
   * Runs the call for each target, one after the other; returns how many were already gone (an
   * earlier attempt, cut short by a crash, or someone else, deleted them).
   */
  private async eachGone<T>(targets: readonly T[], call: (target: T) => Promise<unknown>): Promise<number> {
    let gone = 0;
    for (const t of targets) if (await this.gone(() => call(t))) gone++;
    return gone;
  }

  /** Runs a delete (or update); true when the thing was already gone (not found), which counts as done. */
  private async gone(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return false;
    } catch (err) {
      if (err instanceof SalesforceNotFoundError || err instanceof SendbirdNotFoundError) return true;
      throw err;
    }
  }
}
