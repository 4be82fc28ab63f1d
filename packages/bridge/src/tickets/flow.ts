/**
 * Idempotent submission: the same `Idempotency-Key` (per customer) with the same body gives the
 * same ticket, also when many requests with that key arrive at once; with another body it is
 * refused. Builds on the store's atomic key claim and the service's per-ticket single flight.
 */
import * as crypto from 'node:crypto';
import { AppError } from '../errors.js';
import type { Store, Ticket } from '../store/types.js';
import type { CaseFields } from './case-fields.js';
import { newTicketId } from './ids.js';
import type { CustomerIdentity } from '../identity/customer.js';
import { TicketStepError, type Advanced, type TicketService } from './service.js';

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

// One-shot hashing (Node 20.12 and later) skips making a Hash object per request.
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function requestHash(s: Submission): string {
  const sorted = Object.fromEntries(Object.entries(s.requestFields ?? s.caseFields).sort(([a], [b]) => a.localeCompare(b)));
  return sha256Hex(JSON.stringify([s.endpoint, s.identity.userId, sorted]));
}

export class TicketFlow {
  constructor(
    private readonly store: Store,
    private readonly service: TicketService,
  ) {}

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
    const claim = await this.store.claimIdempotencyKey(scope, s.idempotencyKey, hash, ticketId, { create: { ticket: this.service.newTicket(ticketId, s.identity, s.caseFields) } });
    const rec = claim.claimed ? claim.record : claim.existing;
    if (!claim.claimed && rec.requestHash !== hash) {
      throw new AppError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request; make a new key for a new ticket', { field: 'Idempotency-Key' });
    }
    // Only refusals are recorded as answers; a ticket that succeeded is answered from its state.
    if (rec.responseStatus !== null && rec.responseStatus >= 400) {
      const body = rec.responseBody as { error?: { code?: string; message?: string } } | null;
      throw new AppError(rec.responseStatus, body?.error?.code ?? 'ticket_failed', body?.error?.message ?? 'this ticket failed', { replayed: true });
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
        const rejected = new AppError(422, 'case_rejected', err.failure.system === 'salesforce' ? `Salesforce refused the Case: ${err.failure.message}` : `Sendbird refused the ticket: ${err.failure.message}`, {
          ticketId,
          upstream: { system: err.failure.system, code: err.failure.code, fields: err.failure.fields ?? [] },
        });
        // A refused request does not use up its key: the corrected body with the same key opens
        // the ticket (the refused ticket stays `failed`, with its ledger entries).
        if (key) await this.store.releaseIdempotencyKey(key.scope, key.key);
        throw rejected;
      }
      throw new AppError(503, 'ticket_pending', 'the ticket is recorded but could not be finished now; it will be finished in the background, and a retry with the same Idempotency-Key returns it', {
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
