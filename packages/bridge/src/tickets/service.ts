/**
 * The ticket flow: ensure the Sendbird user -> upsert the Case on its External Id and read back
 * Id and CaseNumber in ONE composite call -> ensure the channel named after the Case Id -> (per
 * answer) issue a session token.
 *
 * Every step is idempotent, so a retry, a job or a restarted process simply runs the remaining
 * steps again:
 * - the Case upsert is keyed on `Sendbird_Ticket_Id__c` = ticket id, so it cannot create two Cases;
 * - Sendbird's 400202 (already exists) on user or channel creation counts as done.
 * What a run learned is written once, with its ledger entries, in one transaction: when the
 * ticket is completed or when a step fails (then with a job that finishes the ticket later). A
 * process that dies mid-way leaves the ticket unfinished in the store; the tickets feature's
 * sweep hands such tickets to a job after `safetyDelayMs`.
 */
import { errorFromResponse, type SalesforceClient } from '@sbsf/salesforce';
import { SendbirdAlreadyExistsError, withSendbirdPriority, type SendbirdClient, type SendbirdGroupChannel } from '@sbsf/sendbird';
import {
  BRIDGE_MESSAGE_CUSTOM_TYPE,
  encodeSupportChannelData,
  SUPPORT_CHANNEL_CUSTOM_TYPE,
  ticketFormText,
  truncateText,
  type BridgeNotice,
} from '@sbsf/wire';
import type { Logger } from 'pino';
import {
  TicketStateError,
  type LedgerOutcome,
  type NewLedgerEntry,
  type NewTicket,
  type Store,
  type Ticket,
  type TicketJob,
  type TicketPatch,
} from '../store/types.js';
import type { CaseFields } from './case-schema.js';
import type { CustomerIdentity } from '../identity/customer.js';
import { classifyFailure, type ClassifiedFailure } from '../upstream-failure.js';
import { rememberBounded } from '../bounded-map.js';
import type { ContactsConfig } from '../config.js';
import {
  CONTACT_JOB,
  contactJobKey,
  contactKey,
  contactQuery,
  foundContacts,
  isStaleReference,
  linkFields,
  usable,
  type ContactJobPayload,
  type ContactPlan,
} from './contacts.js';

export const TICKET_JOB = 'ticket.finish';
/** Sendbird's longest nickname, in UTF-16 units. */
const SENDBIRD_NICKNAME_MAX = 80;
/** Sendbird's default longest message (`max_length_message`), in UTF-16 units. */
const SENDBIRD_MESSAGE_MAX = 5000;
export const ticketJobKey = (ticketId: string) => `ticket:${ticketId}`;

/** Case.Status and Case.IsClosed, as the channel data carries them. */
interface CaseStatus {
  status: string;
  closed: boolean;
}

export interface SessionInfo {
  appId: string;
  userId: string;
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Where the Sendbird API is (the emulator's URL in the sandbox). */
  apiHost: string;
}

export interface TicketServiceOptions {
  store: Store;
  salesforce: SalesforceClient;
  sendbird: SendbirdClient;
  logger: Logger;
  appId: string;
  apiHost: string;
  apiVersion: string;
  sessionTtlSeconds: number;
  /** `Origin` set on Cases whose request did not name one. */
  caseOrigin: string;
  clock?: () => number;
  /** How long after a retryable failure the job that finishes the ticket runs (default 30 s). */
  safetyDelayMs?: number;
  /** How many Sendbird user ids to remember as existing (saves a call per ticket). */
  knownUsersMax?: number;
  /** Contact matching (contacts.ts); absent or `match: off`: Cases are not linked. */
  contacts?: ContactsConfig;
}

/** What the Case step learned. */
interface UpsertedCase {
  id: string;
  caseNumber: string;
  status?: CaseStatus;
  /** The `contact.link` job the Case needs (the query in the upsert's call found something to act on). */
  contactJob?: TicketJob;
}

export interface Advanced {
  ticket: Ticket;
  /** The channel object, when this run created it. */
  channel?: SendbirdGroupChannel;
  /** Milliseconds this run spent in Salesforce and Sendbird calls (0 when nothing was left to do). */
  upstreamMs: number;
}

/** A step failed; `failure` says whether retrying can help. */
export class TicketStepError extends Error {
  constructor(
    readonly ticket: Ticket,
    readonly failure: ClassifiedFailure,
  ) {
    super(`[tickets] ticket ${ticket.id} stopped at ${ticket.state}: ${failure.message}`);
    this.name = 'TicketStepError';
  }
}

/** The form could not be posted (already in the ledger): the step fails with the cause. */
class TicketFormError extends Error {
  constructor(override readonly cause: unknown) {
    super('[tickets] the ticket form could not be posted');
  }
}

export class TicketService {
  private readonly inflight = new Map<string, Promise<Advanced>>();
  /** Sendbird user ids known to exist (the value is unused). */
  private readonly knownUsers = new Map<string, true>();
  private readonly now: () => number;

  constructor(private readonly o: TicketServiceOptions) {
    this.now = o.clock ?? Date.now;
  }

  /** A new ticket as the store records it. */
  newTicket(ticketId: string, customer: CustomerIdentity, caseFields: CaseFields): NewTicket {
    // Stored as the Sendbird nickname will be: at most 80 units, whole characters, valid UTF-8.
    return {
      id: ticketId,
      clientKey: customer.userId,
      customerUserId: customer.userId,
      customerNickname: truncateText(customer.nickname, SENDBIRD_NICKNAME_MAX),
      customerVerified: { ...customer.verified },
      caseFields: { ...caseFields },
    };
  }

  /** Records a new ticket (no job: the sweep covers a process that dies before finishing it). */
  async create(ticketId: string, customer: CustomerIdentity, caseFields: CaseFields): Promise<Ticket> {
    return this.o.store.createTicket(this.newTicket(ticketId, customer, caseFields));
  }

  /** The job that finishes a ticket after a retryable failure, due `safetyDelayMs` from now. */
  private finishJob(ticketId: string): TicketJob {
    const runAt = this.now() + (this.o.safetyDelayMs ?? 30_000);
    return { kind: TICKET_JOB, payload: { ticketId }, dedupeKey: ticketJobKey(ticketId), runAt };
  }

  /**
   * Runs the remaining steps of a ticket. Concurrent calls for one ticket in this process share
   * one run. `fresh` is the ticket as the caller has just recorded it (saves reading it back).
   * Throws `TicketStepError` when a step fails.
   */
  advance(ticketId: string, fresh?: Ticket): Promise<Advanced> {
    let run = this.inflight.get(ticketId);
    if (!run) {
      // A customer waits on this (the HTTP answer, or the retry it was told to make): its capped
      // Sendbird calls go before any membership work (@sbsf/sendbird's pacing).
      run = withSendbirdPriority({ class: 'ticket', key: ticketId }, () => this.run(ticketId, fresh)).finally(() =>
        this.inflight.delete(ticketId),
      );
      this.inflight.set(ticketId, run);
    }
    return run;
  }

  /** Whether this process has seen the customer's Sendbird user exist (then a token needs nothing else). */
  knowsUser(userId: string): boolean {
    return this.knownUsers.has(userId);
  }

  /** A fresh Sendbird session token for a customer or agent. */
  async session(userId: string): Promise<SessionInfo> {
    const expiresAt = this.now() + this.o.sessionTtlSeconds * 1000;
    const token = await this.o.sendbird.issueSessionToken(userId, { expiresAt });
    return { appId: this.o.appId, userId, accessToken: token.token, expiresAt: token.expires_at, apiHost: this.o.apiHost };
  }

  /** A ticket's group channel as Sendbird shows it, with its members (the tutorial's answer). */
  async channel(channelUrl: string): Promise<SendbirdGroupChannel> {
    return this.o.sendbird.getGroupChannel(channelUrl, { showMember: true });
  }

  /**
   * The remaining steps, then ONE write: the ticket's new state and every ledger entry of this
   * run, in one transaction. Nothing is written between upstream calls: every call is idempotent
   * and is simply made again after a crash. When a step fails, what the run learned (the Case,
   * if it got that far) is written with the failure and, if retrying can help, with the job that
   * finishes the ticket. (The store's `user_ready` and `channel_ready` states exist for
   * finer-grained flows.)
   */
  private async run(ticketId: string, fresh?: Ticket): Promise<Advanced> {
    const stored = fresh ?? (await this.o.store.getTicket(ticketId));
    if (!stored) throw new Error(`[tickets] ticket ${ticketId} not found`);
    let ticket = stored;
    let channel: SendbirdGroupChannel | undefined;
    const ledger: NewLedgerEntry[] = [];
    // What this run learned and has not written yet.
    let learned: TicketPatch = {};
    // The Case's status as read back with the upsert (not stored: the channel data carries it).
    let caseStatus: CaseStatus | undefined;
    // Queued with whatever this run writes next (completed or failed), so the Case gets its Contact either way.
    const jobs: TicketJob[] = [];
    const started = performance.now();
    try {
      if (ticket.state === 'received' || ticket.state === 'user_ready') {
        await this.ensureUser(ticket, ledger);
        const { id, caseNumber, status, contactJob } = await this.upsertCase(ticket, ledger);
        learned = { state: 'case_ready', caseId: id, caseNumber };
        caseStatus = status;
        if (contactJob) jobs.push(contactJob);
        ticket = { ...ticket, ...learned } as Ticket;
      }
      if (ticket.state === 'case_ready' || ticket.state === 'channel_ready') {
        channel = await this.ensureChannel(ticket, ledger, caseStatus ?? (await this.readStatus(ticket)));
        // Time spent waiting on Salesforce and Sendbird (everything but the store), for Server-Timing.
        const upstreamMs = performance.now() - started;
        // A finishing job queued by an earlier failure has nothing left to do: settled in the same transaction.
        const completed: TicketPatch = { ...learned, state: 'completed', channelUrl: ticket.caseId, lastError: null };
        const done = await this.o.store.updateTicket(ticket.id, completed, ledger.splice(0), { settleJob: ticketJobKey(ticket.id), jobs });
        return { ticket: done, ...(channel ? { channel } : {}), upstreamMs };
      }
      return { ticket, upstreamMs: 0 };
    } catch (err) {
      const failure = classifyFailure(err);
      const patch: TicketPatch = {
        ...learned,
        lastError: truncateText(`${failure.system} ${failure.code}: ${failure.message}`, 1000),
        attempts: ticket.attempts + 1,
        ...(failure.kind === 'rejected' ? { state: 'failed' as const } : {}),
      };
      const entries = ledger.splice(0);
      try {
        const retry = failure.kind === 'rejected' ? {} : { job: this.finishJob(ticket.id) };
        ticket = await this.o.store.updateTicket(ticket.id, patch, entries, { ...retry, jobs });
      } catch (writeErr) {
        // Another run (a job, maybe on another instance) finished the ticket meanwhile: what it
        // did stands, and this run's calls still go in the ledger.
        if (!(writeErr instanceof TicketStateError)) throw writeErr;
        const done = await this.o.store.updateTicket(ticket.id, {}, entries, { jobs });
        if (done.state !== 'completed') throw writeErr;
        this.o.logger.info({ ticketId, failure: { ...failure } }, 'a ticket step failed, but another run had finished the ticket');
        return { ticket: done, upstreamMs: 0 };
      }
      this.o.logger.warn({ ticketId, state: ticket.state, failure: { ...failure } }, 'ticket step failed');
      throw new TicketStepError(ticket, failure);
    }
  }

  private entry(
    t: Ticket,
    system: 'salesforce' | 'sendbird',
    action: string,
    target: string,
    outcome: LedgerOutcome,
    detail: Record<string, unknown> = {},
    caseId = t.caseId,
  ): NewLedgerEntry {
    return { ticketId: t.id, caseId, system, action, target, outcome, detail };
  }

  private async ensureUser(t: Ticket, ledger: NewLedgerEntry[]): Promise<void> {
    const userId = t.customerUserId;
    if (this.knownUsers.has(userId)) return;
    try {
      // Sendbird keeps 80 UTF-16 units of a nickname; a customer's name may be longer.
      const nickname = truncateText(t.customerNickname ?? userId, SENDBIRD_NICKNAME_MAX);
      await this.o.sendbird.createUser({ user_id: userId, nickname, profile_url: '' });
      ledger.push(this.entry(t, 'sendbird', 'user.create', userId, 'ok'));
    } catch (err) {
      if (!(err instanceof SendbirdAlreadyExistsError)) {
        ledger.push(this.entry(t, 'sendbird', 'user.create', userId, 'error', { code: classifyFailure(err).code }));
        throw err;
      }
      ledger.push(this.entry(t, 'sendbird', 'user.create', userId, 'exists'));
    }
    this.rememberUser(userId);
  }

  private rememberUser(userId: string): void {
    rememberBounded(this.knownUsers, userId, true, this.o.knownUsersMax ?? 50_000);
  }

  /**
   * What the Case upsert does about the customer's Contact: carry the remembered one in its body,
   * or run the Contact query in the same call. Nothing when matching is off or must not apply.
   */
  private async contactPlan(t: Ticket, skipRemembered: boolean): Promise<ContactPlan & { key?: ReturnType<typeof contactKey> }> {
    const cfg = this.o.contacts;
    const key = cfg ? contactKey(cfg, t) : null;
    if (!cfg || !key) return {};
    const remembered = skipRemembered ? undefined : usable(cfg, await this.o.store.getCustomerContact(t.customerUserId), this.now());
    return remembered ? { remembered, key } : { query: contactQuery(cfg, key), key };
  }

  /**
   * One composite call: upsert on the External Id, then read Id, CaseNumber and the status back;
   * with contact matching, the remembered Contact in the upsert's body or the Contact query beside
   * it. A remembered Contact Salesforce says is gone (deleted, merged) is forgotten and the upsert
   * made again without it: a stale match never fails the ticket.
   */
  private async upsertCase(t: Ticket, ledger: NewLedgerEntry[]): Promise<UpsertedCase> {
    const first = await this.upsertCaseOnce(t, ledger, false);
    return first === 'stale' ? ((await this.upsertCaseOnce(t, ledger, true)) as UpsertedCase) : first;
  }

  /** The upsert's call; 'stale' when the remembered Contact was gone (and has been forgotten). */
  private async upsertCaseOnce(t: Ticket, ledger: NewLedgerEntry[], skipRemembered: boolean): Promise<UpsertedCase | 'stale'> {
    const api = `/services/data/v${this.o.apiVersion}`;
    const base = `${api}/sobjects/Case`;
    const fields = t.caseFields as CaseFields;
    const plan = await this.contactPlan(t, skipRemembered);
    const body = {
      ...fields,
      Origin: fields.Origin ?? this.o.caseOrigin,
      Sendbird_User_Id__c: t.customerUserId,
      ...(plan.remembered ? linkFields(plan.remembered) : {}),
    };
    try {
      const [upsert, read, find] = await this.o.salesforce.composite(
        [
          { method: 'PATCH', url: `${base}/Sendbird_Ticket_Id__c/${encodeURIComponent(t.id)}`, referenceId: 'upsertCase', body },
          { method: 'GET', url: `${base}/@{upsertCase.id}?fields=Id,CaseNumber,Status,IsClosed`, referenceId: 'readCase' },
          ...(plan.query
            ? [{ method: 'GET' as const, url: `${api}/query?q=${encodeURIComponent(plan.query)}`, referenceId: 'findContact' }]
            : []),
        ],
        // A failing Contact query must not undo the Case: only then are the subrequests independent.
        { allOrNone: !plan.query },
      );
      if (plan.remembered && upsert && upsert.httpStatusCode >= 400 && isStaleReference(upsert.body)) {
        const { contactId, accountId } = plan.remembered;
        const code = classifyFailure(errorFromResponse(upsert.httpStatusCode, upsert.body)).code;
        const stale = this.entry(t, 'salesforce', 'contact.stale', contactId, 'error', { code, accountId });
        await this.o.store.forgetCustomerContact(t.customerUserId, contactId, [stale]);
        return 'stale';
      }
      if (!upsert || upsert.httpStatusCode >= 400) throw errorFromResponse(upsert?.httpStatusCode ?? 500, upsert?.body);
      if (!read || read.httpStatusCode >= 400) throw errorFromResponse(read?.httpStatusCode ?? 500, read?.body);
      const rec = read.body as { Id?: string; CaseNumber?: string; Status?: unknown; IsClosed?: unknown };
      if (!rec.Id || !rec.CaseNumber) throw new Error('[tickets] the Case read-back had no Id or CaseNumber');
      const created = (upsert.body as { created?: boolean }).created === true;
      const detail = { caseNumber: rec.CaseNumber, externalId: t.id };
      ledger.push(this.entry(t, 'salesforce', 'case.upsert', rec.Id, created ? 'ok' : 'exists', detail, rec.Id));
      if (plan.remembered) {
        const { contactId, accountId, matchedBy } = plan.remembered;
        ledger.push(this.entry(t, 'salesforce', 'contact.link', contactId, 'ok', { accountId, matchedBy, remembered: true }, rec.Id));
      }
      const status = typeof rec.Status === 'string' ? { status: rec.Status, closed: rec.IsClosed === true } : undefined;
      const contactJob = find && plan.key ? this.contactJob(t, rec.Id, plan.key.by, find, ledger) : undefined;
      return { id: rec.Id, caseNumber: rec.CaseNumber, ...(status ? { status } : {}), ...(contactJob ? { contactJob } : {}) };
    } catch (err) {
      ledger.push(this.entry(t, 'salesforce', 'case.upsert', t.id, 'error', { code: classifyFailure(err).code }));
      throw err;
    }
  }

  /**
   * The Contact query's answer: the `contact.link` job when there is something to do (one or more
   * found, or none and a Contact to create). A query Salesforce refused (a field the org lacks)
   * leaves the Case unlinked, with its ledger entry; the ticket goes on.
   */
  private contactJob(t: Ticket, caseId: string, by: string, find: { httpStatusCode: number; body: unknown }, ledger: NewLedgerEntry[]) {
    if (find.httpStatusCode >= 400) {
      const code = classifyFailure(errorFromResponse(find.httpStatusCode, find.body)).code;
      ledger.push(this.entry(t, 'salesforce', 'contact.match', caseId, 'error', { by, code }, caseId));
      this.o.logger.warn({ ticketId: t.id, code }, 'contact matching: the Contact query was refused; the Case stays unlinked');
      return undefined;
    }
    const found = foundContacts(find.body);
    ledger.push(this.entry(t, 'salesforce', 'contact.match', caseId, 'ok', { by, found: found.length }, caseId));
    if (found.length === 0 && this.o.contacts?.create === 'none') return undefined;
    const payload: ContactJobPayload = { ticketId: t.id, caseId, found };
    return { kind: CONTACT_JOB, payload, dedupeKey: contactJobKey(t.id), runAt: this.now() };
  }

  /**
   * A run that resumes after the Case step (a crash or a retry) did not read the status back:
   * read it now. Without it the channel is made without a status; the lifecycle job writes one
   * on the Case's next status change.
   */
  private async readStatus(t: Ticket): Promise<CaseStatus | undefined> {
    if (!t.caseId) return undefined;
    try {
      const rec = await this.o.salesforce.get<{ Status?: unknown; IsClosed?: unknown }>('Case', t.caseId, ['Status', 'IsClosed']);
      return typeof rec.Status === 'string' ? { status: rec.Status, closed: rec.IsClosed === true } : undefined;
    } catch (err) {
      this.o.logger.warn({ ticketId: t.id, code: classifyFailure(err).code }, 'could not read the Case status for the channel data');
      return undefined;
    }
  }

  /** The channel's `data` (the contract in @sbsf/wire channel-data.ts). */
  private channelData(t: Ticket, status: CaseStatus | undefined): string {
    const fields = t.caseFields as Partial<Record<string, unknown>>;
    const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
    return encodeSupportChannelData({
      caseId: t.caseId ?? undefined,
      caseNumber: t.caseNumber ?? undefined,
      ticketId: t.id,
      subject: text(fields.Subject),
      customerName: text(fields.SuppliedName) ?? text(t.customerNickname),
      customerId: t.customerUserId,
      ...(status ? { status: status.status, closed: status.closed } : {}),
    });
  }

  private async ensureChannel(t: Ticket, ledger: NewLedgerEntry[], status?: CaseStatus): Promise<SendbirdGroupChannel | undefined> {
    const url = t.caseId as string;
    try {
      const channel = await this.o.sendbird.createGroupChannel({
        channel_url: url,
        name: `Case ${t.caseNumber}`,
        custom_type: SUPPORT_CHANNEL_CUSTOM_TYPE,
        // Never distinct: a distinct channel would be reused for another Case of the same members.
        is_distinct: false,
        user_ids: [t.customerUserId],
        data: this.channelData(t, status),
      });
      ledger.push(this.entry(t, 'sendbird', 'channel.create', url, 'ok'));
      await this.postTicketForm(t, ledger);
      return channel;
    } catch (err) {
      if (err instanceof SendbirdAlreadyExistsError) {
        ledger.push(this.entry(t, 'sendbird', 'channel.create', url, 'exists'));
        // An earlier run made the channel and may have stopped before the form was posted.
        await this.postTicketForm(t, ledger);
        return undefined;
      }
      if (!(err instanceof TicketFormError)) {
        ledger.push(this.entry(t, 'sendbird', 'channel.create', url, 'error', { code: classifyFailure(err).code }));
      }
      throw err instanceof TicketFormError ? err.cause : err;
    }
  }

  /**
   * The ticket's form as the conversation's first entry: an admin message (no sender) with the
   * subject and description, posted before the customer is given a session, so nothing can come
   * before it. Its `dedup_id` names the ticket: a run that posts it again (after a crash, or a
   * retry that found the channel made) is refused with 400202, which counts as done.
   */
  private async postTicketForm(t: Ticket, ledger: NewLedgerEntry[]): Promise<void> {
    const url = t.caseId as string;
    const subject = String(t.caseFields.Subject ?? '');
    const description = String(t.caseFields.Description ?? '');
    try {
      await this.o.sendbird.sendMessage(url, {
        message_type: 'ADMM',
        message: truncateText(ticketFormText(subject, description), SENDBIRD_MESSAGE_MAX),
        custom_type: BRIDGE_MESSAGE_CUSTOM_TYPE,
        data: JSON.stringify({ sbsf: 'ticket.form', subject } satisfies BridgeNotice),
        dedup_id: `sbsf-form-${t.id}`,
      });
      ledger.push(this.entry(t, 'sendbird', 'channel.ticket_form', url, 'ok'));
    } catch (err) {
      if (err instanceof SendbirdAlreadyExistsError) {
        ledger.push(this.entry(t, 'sendbird', 'channel.ticket_form', url, 'exists'));
        return;
      }
      ledger.push(this.entry(t, 'sendbird', 'channel.ticket_form', url, 'error', { code: classifyFailure(err).code }));
      throw new TicketFormError(err);
    }
  }
}
