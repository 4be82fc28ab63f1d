/**
 * The `contact.link` job: links a ticket's Case to the customer's Contact after the Case upsert
 * found no remembered one (contacts.ts). Queued in the same transaction as the ticket's Case, so
 * it survives any crash; every step is idempotent, so running it again (a retry, a lease that ran
 * out) changes nothing twice:
 * - a Contact remembered meanwhile (another ticket of the customer) -> link the Case to it;
 * - one Contact found -> link (PATCH Case ContactId, AccountId) and remember it;
 * - two or more -> left unlinked, as Salesforce's Email-to-Case does; `contact.ambiguous` in the ledger;
 * - none -> CONTACT_CREATE: `none` leaves it; `contact` / `person_account` create and link in ONE
 *   composite call (allOrNone, so a Contact is never made without its link), under a per-customer
 *   claim in the store so that two tickets of one new customer never create two; a job that
 *   resumes a claim it may have used before (or whose query is not fresh) queries again first.
 * A duplicate rule refusing the creation never fails anything (CONTACT_DUPLICATES). A refusal that
 * retrying cannot change ends the job with its ledger entry; an outage retries it.
 */
import { errorFromResponse, type SalesforceClient } from '@sbsf/salesforce';
import type { CompositeSubrequest, CompositeSubresponse } from '@sbsf/salesforce';
import type { Logger } from 'pino';
import type { ContactsConfig } from '../config.js';
import { RetryLaterError } from '../jobs/errors.js';
import type { ContactMatchedBy, CustomerContact, LedgerOutcome, NewLedgerEntry, Store, Ticket } from '../store/types.js';
import { classifyFailure } from '../upstream-failure.js';
import {
  contactKey,
  contactQuery,
  contactsByIdQuery,
  foundContacts,
  isStaleCode,
  linkFields,
  personName,
  usable,
  type ContactJobPayload,
  type ContactKey,
  type FoundContact,
} from './contacts.js';

/** How long a creation claim holds: beyond one job run, so nobody else creates meanwhile. */
const CLAIM_LEASE_MS = 120_000;

export interface ContactLinkerOptions {
  store: Store;
  salesforce: SalesforceClient;
  config: ContactsConfig;
  apiVersion: string;
  logger: Logger;
  clock?: () => number;
}

interface Duplicate {
  rule: string | null;
  allowSave: boolean;
  matchedIds: string[];
}

/** The duplicate rule's answer in a DUPLICATES_DETECTED error body, or null for any other error. */
function duplicateOf(body: unknown): Duplicate | null {
  const item = Array.isArray(body) ? (body as Record<string, unknown>[]).find((e) => e.errorCode === 'DUPLICATES_DETECTED') : undefined;
  if (!item) return null;
  const dr = (item.duplicateResult ?? {}) as { allowSave?: unknown; duplicateRule?: unknown; matchResults?: unknown };
  const results = Array.isArray(dr.matchResults) ? (dr.matchResults as { matchRecords?: unknown }[]) : [];
  const matchedIds = results
    .flatMap((r) => (Array.isArray(r.matchRecords) ? (r.matchRecords as { record?: { Id?: unknown } }[]) : []))
    .map((m) => m.record?.Id)
    .filter((id): id is string => typeof id === 'string');
  return { rule: typeof dr.duplicateRule === 'string' ? dr.duplicateRule : null, allowSave: dr.allowSave === true, matchedIds };
}

/** The subresponse that made an allOrNone call fail (the others say PROCESSING_HALTED). */
function failedPart(res: CompositeSubresponse[]): CompositeSubresponse | undefined {
  const failed = res.filter((r) => r.httpStatusCode >= 400);
  const halted = (r: CompositeSubresponse) =>
    Array.isArray(r.body) && (r.body as { errorCode?: unknown }[]).every((e) => e.errorCode === 'PROCESSING_HALTED');
  return failed.find((r) => !halted(r)) ?? failed[0];
}

export class ContactLinker {
  private readonly now: () => number;

  constructor(private readonly o: ContactLinkerOptions) {
    this.now = o.clock ?? Date.now;
  }

  /** Runs the job for one ticket; `attempt` is the job's attempt (1 = the first). */
  async run(p: ContactJobPayload, attempt: number): Promise<void> {
    const t = await this.o.store.getTicket(p.ticketId);
    // Gone (erased), or a ticket that must not be matched: nothing to do.
    const key = t ? contactKey(this.o.config, t) : null;
    if (!t || !key) return;
    const ledger: NewLedgerEntry[] = [];
    try {
      await this.link(t, p, key, attempt === 1 ? p.found : undefined, ledger);
    } catch (err) {
      const failure = classifyFailure(err);
      if (failure.kind === 'rejected') {
        // Salesforce refused (a validation rule, a missing field or right): retrying cannot help,
        // and the ticket is fine without the link. The ledger says why.
        this.o.logger.warn({ ticketId: t.id, code: failure.code }, 'contact matching: Salesforce refused; the Case stays unlinked');
        await this.o.store.releaseContactClaim(t.customerUserId, t.id, ledger);
        return;
      }
      for (const e of ledger) await this.o.store.appendLedger(e);
      throw err;
    }
  }

  private entry(t: Ticket, caseId: string, action: string, target: string, outcome: LedgerOutcome, detail = {}): NewLedgerEntry {
    return { ticketId: t.id, caseId, system: 'salesforce', action, target, outcome, detail };
  }

  /** Ends the job without remembering anything: gives back a creation claim, writes the ledger. */
  private finish(t: Ticket, ledger: NewLedgerEntry[]): Promise<void> {
    return this.o.store.releaseContactClaim(t.customerUserId, t.id, ledger.splice(0));
  }

  private async link(t: Ticket, p: ContactJobPayload, key: ContactKey, given: FoundContact[] | undefined, ledger: NewLedgerEntry[]) {
    const remembered = usable(this.o.config, await this.o.store.getCustomerContact(t.customerUserId), this.now());
    if (remembered) {
      // Another ticket of this customer found or made the Contact meanwhile.
      if (await this.patchCase(t, p.caseId, remembered, ledger)) return this.finish(t, ledger);
      await this.o.store.forgetCustomerContact(t.customerUserId, remembered.contactId, ledger.splice(0));
    }
    let found = given ?? (await this.query(t, p.caseId, key, ledger));
    if (found.length === 0 && this.o.config.create !== 'none') {
      const claim = await this.o.store.claimContactCreation(t.customerUserId, t.id, CLAIM_LEASE_MS);
      if (!claim.claimed && claim.contact) return this.linkFound(t, p.caseId, claim.contact, ledger);
      if (!claim.claimed) {
        const wait = Math.max(500, (claim.until ?? this.now()) - this.now());
        throw new RetryLaterError("[contacts] another ticket is creating this customer's Contact", wait);
      }
      // A claim taken over (a run cut short may have created the Contact), or an old answer: ask again.
      if (!claim.fresh || !given) found = await this.query(t, p.caseId, key, ledger);
      if (found.length === 0) return this.create(t, p.caseId, key, ledger, false);
    }
    if (found.length >= 2) {
      ledger.push(this.entry(t, p.caseId, 'contact.ambiguous', p.caseId, 'ok', { by: key.by, contactIds: found.map((c) => c.Id) }));
      return this.finish(t, ledger);
    }
    const [one] = found;
    if (!one) return this.finish(t, ledger);
    const contact = { userId: t.customerUserId, contactId: one.Id, accountId: one.AccountId, matchedBy: key.by };
    return this.linkFound(t, p.caseId, contact, ledger);
  }

  /** Links the Case to a Contact found and remembers it; a Contact gone meanwhile is left alone. */
  private async linkFound(t: Ticket, caseId: string, c: Omit<CustomerContact, 'matchedAt'>, ledger: NewLedgerEntry[]): Promise<void> {
    if (await this.patchCase(t, caseId, c, ledger)) {
      await this.o.store.rememberCustomerContact({ ...c }, ledger.splice(0));
      return;
    }
    // Deleted between the query and the link: the next ticket looks again.
    return this.finish(t, ledger);
  }

  /** PATCH the Case's ContactId (and AccountId); false when Salesforce says the Contact is gone. */
  private async patchCase(
    t: Ticket,
    caseId: string,
    c: { contactId: string; accountId: string | null; matchedBy: ContactMatchedBy },
    ledger: NewLedgerEntry[],
  ): Promise<boolean> {
    try {
      await this.o.salesforce.update('Case', caseId, linkFields(c));
      ledger.push(this.entry(t, caseId, 'contact.link', c.contactId, 'ok', { accountId: c.accountId, matchedBy: c.matchedBy }));
      return true;
    } catch (err) {
      const failure = classifyFailure(err);
      const stale = isStaleCode(failure.code);
      ledger.push(this.entry(t, caseId, stale ? 'contact.stale' : 'contact.link', c.contactId, 'error', { code: failure.code }));
      if (stale) return false;
      throw err;
    }
  }

  private async query(t: Ticket, caseId: string, key: ContactKey, ledger: NewLedgerEntry[]): Promise<FoundContact[]> {
    const found = foundContacts(await this.o.salesforce.queryPage(contactQuery(this.o.config, key)));
    ledger.push(this.entry(t, caseId, 'contact.match', caseId, 'ok', { by: key.by, found: found.length }));
    return found;
  }

  /** Creates the Contact (or Person Account) and links the Case to it, in one allOrNone composite call. */
  private async create(t: Ticket, caseId: string, key: ContactKey, ledger: NewLedgerEntry[], allowSave: boolean): Promise<void> {
    const cfg = this.o.config;
    const base = `/services/data/v${this.o.apiVersion}`;
    const supplied = typeof t.caseFields.SuppliedName === 'string' ? t.caseFields.SuppliedName : '';
    const name = personName(supplied || t.customerNickname || '', t.customerUserId);
    // Only an address the identity provider vouches for: a form's could be anyone's.
    const email = t.customerVerified?.email;
    const headers = allowSave ? { httpHeaders: { 'Sforce-Duplicate-Rule-Header': 'allowSave=true' } } : {};
    const linkCase = (body: Record<string, string>): CompositeSubrequest => ({
      method: 'PATCH',
      url: `${base}/sobjects/Case/${caseId}`,
      referenceId: 'linkCase',
      body,
    });
    const person = cfg.create === 'person_account';
    const subrequests: CompositeSubrequest[] = person
      ? [
          {
            method: 'POST',
            url: `${base}/sobjects/Account`,
            referenceId: 'newAccount',
            body: {
              ...name,
              ...(email ? { PersonEmail: email } : {}),
              ...(cfg.personAccountRecordTypeId ? { RecordTypeId: cfg.personAccountRecordTypeId } : {}),
              // A Contact field shows on a Person Account with the suffix __pc.
              ...(key.by === 'external_id' ? { [`${cfg.field.slice(0, -3)}__pc`]: t.customerUserId } : {}),
            },
            ...headers,
          },
          { method: 'GET', url: `${base}/sobjects/Account/@{newAccount.id}?fields=PersonContactId`, referenceId: 'personAccount' },
          linkCase({ AccountId: '@{newAccount.id}', ContactId: '@{personAccount.PersonContactId}' }),
        ]
      : [
          key.by === 'external_id'
            ? // An upsert on the External Id: running it again can never make a second Contact.
              {
                method: 'PATCH',
                url: `${base}/sobjects/Contact/${cfg.field}/${encodeURIComponent(t.customerUserId)}`,
                referenceId: 'newContact',
                body: { ...name, ...(email ? { Email: email } : {}) },
                ...headers,
              }
            : { method: 'POST', url: `${base}/sobjects/Contact`, referenceId: 'newContact', body: { ...name, Email: email }, ...headers },
          linkCase({ ContactId: '@{newContact.id}' }),
        ];
    const action = person ? 'contact.create_person_account' : 'contact.create';
    let res: CompositeSubresponse[];
    try {
      res = await this.o.salesforce.composite(subrequests, { allOrNone: true });
    } catch (err) {
      ledger.push(this.entry(t, caseId, action, caseId, 'error', { code: classifyFailure(err).code }));
      throw err;
    }
    const failed = failedPart(res);
    if (failed) {
      const duplicate = duplicateOf(failed.body);
      if (duplicate) return this.onDuplicate(t, caseId, key, duplicate, ledger, allowSave);
      const err = errorFromResponse(failed.httpStatusCode, failed.body);
      ledger.push(this.entry(t, caseId, action, caseId, 'error', { code: err.errorCode, ...(allowSave ? { allowSave } : {}) }));
      throw err;
    }
    const created = res[0]!.body as { id: string; created?: boolean };
    const contactId = person ? String((res[1]!.body as { PersonContactId?: unknown }).PersonContactId) : created.id;
    const accountId = person ? created.id : null;
    const matchedBy: ContactMatchedBy = person ? 'created_person_account' : 'created_contact';
    const outcome = created.created === false ? 'exists' : 'ok';
    ledger.push(this.entry(t, caseId, action, person ? accountId! : contactId, outcome, allowSave ? { allowSave } : {}));
    ledger.push(this.entry(t, caseId, 'contact.link', contactId, 'ok', { accountId, matchedBy }));
    await this.o.store.rememberCustomerContact({ userId: t.customerUserId, contactId, accountId, matchedBy }, ledger.splice(0));
  }

  /**
   * A duplicate rule refused the creation. CONTACT_DUPLICATES: `skip` leaves the Case unlinked;
   * `allow_save` saves anyway where the rule only alerts; `link_match` links to the one record the
   * rule matched whose email is the customer's verified one. Nothing is created where the rule
   * blocks, and the ticket never fails.
   */
  private async onDuplicate(
    t: Ticket,
    caseId: string,
    key: ContactKey,
    d: Duplicate,
    ledger: NewLedgerEntry[],
    allowSaveTried: boolean,
  ): Promise<void> {
    const cfg = this.o.config;
    ledger.push(
      this.entry(t, caseId, 'contact.duplicate', caseId, 'exists', {
        rule: d.rule,
        allowSave: d.allowSave,
        matchedIds: d.matchedIds,
        setting: cfg.duplicates,
      }),
    );
    if (cfg.duplicates === 'allow_save' && d.allowSave && !allowSaveTried) return this.create(t, caseId, key, ledger, true);
    const email = t.customerVerified?.email?.toLowerCase();
    if (cfg.duplicates === 'link_match' && email && d.matchedIds.length > 0) {
      const candidates = foundContacts(await this.o.salesforce.queryPage(contactsByIdQuery(d.matchedIds)));
      const same = candidates.filter((c) => c.Email?.toLowerCase() === email);
      if (same.length === 1) {
        const c = same[0]!;
        return this.linkFound(
          t,
          caseId,
          { userId: t.customerUserId, contactId: c.Id, accountId: c.AccountId, matchedBy: 'duplicate_rule' },
          ledger,
        );
      }
    }
    return this.finish(t, ledger);
  }
}
