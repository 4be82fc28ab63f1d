/**
 * Idempotent submission: the same `Idempotency-Key` (per customer) with the same body gives the
 * same ticket, also when many requests with that key arrive at once; with another body it is
 * refused. Builds on the store's atomic key claim and the service's per-ticket single flight.
 *
 * The routes call `open` (POST /tickets) and `openTutorial` (POST /createticket) once they have
 * parsed the request and authenticated the customer; the flow checks the org's picklists, submits,
 * and gathers what the answer needs (the session token, the channel, the Server-Timing figures).
 */
import * as crypto from 'node:crypto';
import { SendbirdNotFoundError, type SendbirdGroupChannel } from '@sbsf/sendbird';
import { truncateText } from '@sbsf/wire';
import { AppError } from '../errors.js';
import type { CustomerIdentity } from '../identity/customer.js';
import type { Store, Ticket } from '../store/types.js';
import { classifyFailure } from '../upstream-failure.js';
import { isPicklistRefusal, type CaseDescribe } from './case-describe.js';
import { checkPicklists, invalidFieldError } from './case-input.js';
import { CASE_FIELD_MAX_LENGTH, CASE_PICKLIST_FIELDS, type CaseFields } from './case-schema.js';
import { newTicketId } from './ids.js';
import { TicketStepError, type Advanced, type SessionInfo, type TicketService } from './service.js';

/** Suggested wait before retrying a ticket that could not be finished now. */
export const RETRY_AFTER_SECONDS = 5;

export interface Submission {
  endpoint: 'tickets' | 'createticket';
  identity: CustomerIdentity;
  caseFields: CaseFields;
  /**
   * The fields as the request gave them (after checks that do not depend on the org), for the
   * request hash: a picklist value sent in the org's spelling must not make a retry look like
   * another request when the describe was unavailable the first time. Default: `caseFields`.
   */
  requestFields?: CaseFields;
  idempotencyKey: string | null;
}

export type Submitted = Advanced;

/** POST /tickets after parsing and authentication. */
export interface OpenRequest {
  identity: CustomerIdentity;
  /** The Case fields with every check that needs no call to Salesforce passed. */
  fields: CaseFields;
  idempotencyKey: string;
  /** `performance.now()` when the request arrived: the Server-Timing's bridge share counts from it. */
  started: number;
}

export interface Opened {
  ticket: Ticket;
  session: SessionInfo;
  /** The Server-Timing header: how long the answer waited on Salesforce and Sendbird, and on the bridge itself. */
  serverTiming: string;
}

/** POST /createticket (the tutorial's) after parsing and authentication. */
export interface TutorialRequest {
  identity: CustomerIdentity;
  /** The Case fields of the v2 body; the v1 body (`{user_id}`) has none and gets default ones. */
  fields?: CaseFields;
  idempotencyKey: string | null;
}

type Settled<T> = { ok: true; value: T; at: number } | { ok: false; at: number };

/** A promise that never rejects: what `p` gave and when (`performance.now()`). */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value, at: performance.now() }),
    () => ({ ok: false as const, at: performance.now() }),
  );
}

// One-shot hashing (Node 20.12 and later) skips making a Hash object per request.
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function requestHash(s: Submission): string {
  const sorted = Object.fromEntries(Object.entries(s.requestFields ?? s.caseFields).sort(([a], [b]) => a.localeCompare(b)));
  return sha256Hex(JSON.stringify([s.endpoint, s.identity.userId, sorted]));
}

/** Why a session token could not be issued, as the answer to POST /session. */
function sessionRefusal(err: unknown): AppError {
  // Sendbird's 400201: the customer's Sendbird user does not exist.
  if (err instanceof SendbirdNotFoundError) {
    return new AppError(404, 'customer_not_found', 'this customer has no chat user yet: open a ticket first');
  }
  if (classifyFailure(err).kind === 'retryable') {
    const message = 'Sendbird could not be reached to issue the session; retry in a moment';
    return new AppError(503, 'sendbird_unavailable', message, { retryAfterSeconds: RETRY_AFTER_SECONDS }, { cause: err });
  }
  return new AppError(502, 'sendbird_refused', 'Sendbird refused to issue the session', {}, { cause: err });
}

export class TicketFlow {
  constructor(
    private readonly store: Store,
    private readonly service: TicketService,
    /** The org's Case picklist values (cached describe). */
    private readonly describe: CaseDescribe,
  ) {}

  /** Opens a ticket (POST /tickets): the Case and its channel exactly once per key, and a session token. */
  async open(r: OpenRequest): Promise<Opened> {
    const { service } = this;
    const caseFields = await this.noticingRefusals(() => this.withPicklistsChecked(r.fields));
    // A session token needs only the customer's Sendbird user: when that is known to exist, ask
    // for it while the Case is upserted (one sequential round trip less per ticket).
    const early = service.knowsUser(r.identity.userId) ? settle(service.session(r.identity.userId)) : undefined;
    const { ticket, upstreamMs } = await this.noticingRefusals(() =>
      this.submit({ endpoint: 'tickets', identity: r.identity, caseFields, requestFields: r.fields, idempotencyKey: r.idempotencyKey }),
    );
    const submitted = performance.now();
    const got = early && (await early);
    // Not asked yet, or the early request failed: asked (once more) now that the ticket is done.
    const session = got?.ok ? got.value : await this.sessionOr503(ticket);
    // The token's wait counts only where it outlasted the ticket's own upstream calls.
    const upstream = upstreamMs + (got?.ok ? Math.max(0, got.at - submitted) : performance.now() - submitted);
    const serverTiming = `upstream;dur=${upstream.toFixed(1)}, bridge;dur=${(performance.now() - r.started - upstream).toFixed(1)}`;
    return { ticket, session, serverTiming };
  }

  /**
   * A new session token for a customer (POST /session). A customer who never opened a ticket
   * has no Sendbird user yet: 404 `customer_not_found`; Sendbird down or busy: 503
   * `sendbird_unavailable`; Sendbird refusing: 502 `sendbird_refused`.
   */
  async renewSession(identity: CustomerIdentity): Promise<SessionInfo> {
    try {
      return await this.service.session(identity.userId);
    } catch (err) {
      throw sessionRefusal(err);
    }
  }

  /** Opens a ticket the tutorial's way (POST /createticket) and gives its group channel. */
  async openTutorial(r: TutorialRequest): Promise<SendbirdGroupChannel> {
    return this.noticingRefusals(async () => {
      const caseFields: CaseFields = r.fields
        ? await this.withPicklistsChecked(r.fields)
        : {
            // The nickname is Sendbird's (up to 80 units); cut to the Case fields' lengths all the same.
            Subject: truncateText(`Support request from ${r.identity.nickname}`, CASE_FIELD_MAX_LENGTH.Subject),
            Description: 'Opened from the app',
            SuppliedName: truncateText(r.identity.nickname, CASE_FIELD_MAX_LENGTH.SuppliedName),
          };
      const { ticket, channel } = await this.submit({
        endpoint: 'createticket',
        identity: r.identity,
        caseFields,
        ...(r.fields ? { requestFields: r.fields } : {}),
        idempotencyKey: r.idempotencyKey,
      });
      return channel ?? (await this.service.channel(ticket.channelUrl as string));
    });
  }

  /**
   * The picklist values checked against the org's describe (only when the ticket sets one: most
   * tickets cost no describe call). Without a describe, Salesforce decides.
   */
  private async withPicklistsChecked(fields: CaseFields): Promise<CaseFields> {
    if (!CASE_PICKLIST_FIELDS.some((f) => fields[f])) return fields;
    const picklists = await this.describe.picklists();
    if (!picklists) return fields;
    const checked = checkPicklists(fields, picklists);
    if (checked.problems.length > 0) throw invalidFieldError(checked.problems);
    return checked.fields;
  }

  /** A picklist value Salesforce refused although the cached describe allowed it: read the values again. */
  private async noticingRefusals<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof AppError && err.code === 'case_rejected') {
        const upstream = err.extra.upstream as { code?: string } | undefined;
        if (isPicklistRefusal(upstream?.code)) this.describe.invalidate();
      }
      throw err;
    }
  }

  private async sessionOr503(t: Ticket): Promise<SessionInfo> {
    try {
      return await this.service.session(t.customerUserId);
    } catch {
      throw new AppError(
        503,
        'ticket_pending',
        'the ticket is ready but a Sendbird session could not be issued now; retry with the same Idempotency-Key',
        { ticketId: t.id, state: t.state, retryAfterSeconds: 5 },
      );
    }
  }

  async submit(s: Submission): Promise<Submitted> {
    if (!s.idempotencyKey) {
      const ticket = await this.service.create(newTicketId(), s.identity, s.caseFields);
      return this.finish(ticket.id, null, ticket);
    }
    const scope = s.identity.userId;
    const hash = requestHash(s);
    const ticketId = newTicketId();
    // The winner's ticket is recorded in the claim's transaction: whoever finds the key finds its
    // ticket, even if the process that claimed it died right after.
    const claim = await this.store.claimIdempotencyKey(scope, s.idempotencyKey, hash, ticketId, {
      create: { ticket: this.service.newTicket(ticketId, s.identity, s.caseFields) },
    });
    const rec = claim.claimed ? claim.record : claim.existing;
    if (!claim.claimed && rec.requestHash !== hash) {
      throw new AppError(
        422,
        'idempotency_key_reused',
        'this Idempotency-Key was used with a different request; make a new key for a new ticket',
        { field: 'Idempotency-Key' },
      );
    }
    // Only refusals are recorded as answers; a ticket that succeeded is answered from its state.
    if (rec.responseStatus !== null && rec.responseStatus >= 400) {
      const body = rec.responseBody as { error?: { code?: string; message?: string } } | null;
      const message = body?.error?.message ?? 'this ticket failed';
      throw new AppError(rec.responseStatus, body?.error?.code ?? 'ticket_failed', message, { replayed: true });
    }
    if (!rec.ticketId) throw new AppError(500, 'internal', 'idempotency record without a ticket');
    // The winner already holds the ticket it just recorded: no need to read it back.
    return this.finish(rec.ticketId, { scope, key: s.idempotencyKey }, claim.claimed ? claim.ticket : undefined);
  }

  private async finish(ticketId: string, key: { scope: string; key: string } | null, fresh?: Ticket): Promise<Submitted> {
    let done: Submitted;
    try {
      done = await this.service.advance(ticketId, fresh);
    } catch (err) {
      if (!(err instanceof TicketStepError)) throw err;
      if (err.failure.kind === 'rejected') {
        const message =
          err.failure.system === 'salesforce'
            ? `Salesforce refused the Case: ${err.failure.message}`
            : `Sendbird refused the ticket: ${err.failure.message}`;
        const rejected = new AppError(422, 'case_rejected', message, {
          ticketId,
          upstream: { system: err.failure.system, code: err.failure.code, fields: err.failure.fields ?? [] },
        });
        // A refused request does not use up its key: the corrected body with the same key opens
        // the ticket (the refused ticket stays `failed`, with its ledger entries).
        if (key) await this.store.releaseIdempotencyKey(key.scope, key.key);
        throw rejected;
      }
      const message =
        'the ticket is recorded but could not be finished now; it will be finished in the background, ' +
        'and a retry with the same Idempotency-Key returns it';
      throw new AppError(503, 'ticket_pending', message, {
        ticketId,
        state: err.ticket.state,
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      });
    }
    // Another request (or instance) with this key saw the ticket refused first.
    if (done.ticket.state === 'failed') {
      throw new AppError(422, 'case_rejected', `the ticket was refused: ${done.ticket.lastError ?? 'no detail'}`, { ticketId });
    }
    return done;
  }
}
