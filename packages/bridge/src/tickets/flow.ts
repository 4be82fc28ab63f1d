/**
 * Idempotent submission: the same `Idempotency-Key` (per customer) with the same body gives the
 * same ticket, also when many requests with that key arrive at once; with another body it is
 * refused. Builds on the store's atomic key claim and the service's per-ticket single flight.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SendbirdGroupChannel } from '@sbsf/sendbird';
import { AppError } from '../errors.js';
import type { Store, Ticket } from '../store/types.js';
import type { CaseFields } from './case-fields.js';
import { TicketStepError, type CustomerIdentity, type TicketService } from './service.js';

/** How long a request waits for a concurrent twin to record its ticket (multi-instance case). */
const TWIN_WAIT_MS = 5_000;
/** Suggested wait before retrying a ticket that could not be finished now. */
export const RETRY_AFTER_SECONDS = 5;

export interface Submission {
  endpoint: 'tickets' | 'createticket';
  identity: CustomerIdentity;
  caseFields: CaseFields;
  idempotencyKey: string | null;
}

export interface Submitted {
  ticket: Ticket;
  channel?: SendbirdGroupChannel;
}

export function requestHash(s: Submission): string {
  const sorted = Object.fromEntries(Object.entries(s.caseFields).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify([s.endpoint, s.identity.userId, sorted])).digest('hex');
}

export class TicketFlow {
  constructor(
    private readonly store: Store,
    private readonly service: TicketService,
    private readonly clock: () => number = Date.now,
  ) {}

  async submit(s: Submission): Promise<Submitted> {
    if (!s.idempotencyKey) {
      const ticket = await this.service.create(randomUUID(), s.identity, s.caseFields);
      return this.finish(ticket.id, null);
    }
    const scope = s.identity.userId;
    const hash = requestHash(s);
    const claim = await this.store.claimIdempotencyKey(scope, s.idempotencyKey, hash, randomUUID());
    const rec = claim.claimed ? claim.record : claim.existing;
    if (!claim.claimed && rec.requestHash !== hash) {
      throw new AppError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request; make a new key for a new ticket', { field: 'Idempotency-Key' });
    }
    if (rec.responseStatus !== null && rec.responseStatus >= 400) {
      const body = rec.responseBody as { error?: { code?: string; message?: string } } | null;
      throw new AppError(rec.responseStatus, body?.error?.code ?? 'ticket_failed', body?.error?.message ?? 'this ticket failed', { replayed: true });
    }
    const ticketId = rec.ticketId;
    if (!ticketId) throw new AppError(500, 'internal', 'idempotency record without a ticket');
    if (claim.claimed) {
      await this.service.create(ticketId, s.identity, s.caseFields);
    } else {
      await this.waitForTicket(ticketId, s, rec.createdAt);
    }
    return this.finish(ticketId, { scope, key: s.idempotencyKey });
  }

  private async waitForTicket(id: string, s: Submission, claimedAt: number): Promise<void> {
    const deadline = this.clock() + TWIN_WAIT_MS;
    while (!(await this.store.getTicket(id))) {
      // The request that claimed the key records its ticket within milliseconds; one that has not
      // after TWIN_WAIT_MS died between the two writes (a crashed or killed instance). Record the
      // ticket in its place, under the id the key names, so the key still means exactly one ticket.
      if (this.clock() - claimedAt > TWIN_WAIT_MS) return this.adopt(id, s);
      if (this.clock() > deadline) {
        throw new AppError(503, 'ticket_pending', 'the first request with this Idempotency-Key is still being recorded; retry with the same key', { ticketId: id, retryAfterSeconds: RETRY_AFTER_SECONDS });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async adopt(id: string, s: Submission): Promise<void> {
    try {
      await this.service.create(id, s.identity, s.caseFields);
    } catch (err) {
      // Another retry adopted it first (the ticket id is the primary key): that ticket is the one.
      if (!(await this.store.getTicket(id))) throw err;
    }
  }

  private async finish(ticketId: string, key: { scope: string; key: string } | null): Promise<Submitted> {
    try {
      const out = await this.service.advance(ticketId);
      if (key) await this.store.completeIdempotencyKey(key.scope, key.key, 201, { ticketId });
      return out;
    } catch (err) {
      if (!(err instanceof TicketStepError)) throw err;
      if (err.failure.kind === 'rejected') {
        const rejected = new AppError(422, 'case_rejected', `Salesforce refused the Case: ${err.failure.message}`, {
          ticketId,
          upstream: { system: err.failure.system, code: err.failure.code, fields: err.failure.fields ?? [] },
        });
        if (key) await this.store.completeIdempotencyKey(key.scope, key.key, 422, rejected.toBody());
        throw rejected;
      }
      throw new AppError(503, 'ticket_pending', 'the ticket is recorded but could not be finished now; it will be finished in the background, and a retry with the same Idempotency-Key returns it', {
        ticketId,
        state: err.ticket.state,
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      });
    }
  }
}
