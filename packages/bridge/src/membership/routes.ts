/**
 * `POST /salesforce/events`: what our Apex (SendbirdCallOuts) and the Salesforce emulator post,
 * one batch of the platform-event subscriber (up to 200 events) per callout. Checks in a fixed
 * order, each with its own answer:
 * bearer secret (401, same answer whatever was wrong) -> JSON body (400 invalid_json) -> the wire
 * schema (400 naming the field: `invalid_id` for a malformed Id, `invalid_request` otherwise;
 * written to the ledger as `events.refused`) -> every Id in its 18-character form -> stored with
 * the reconciles of their Cases in one transaction -> 202 `{accepted: n}`. The reconcile itself
 * runs as jobs: Salesforce gets its answer at once.
 * `case.status_changed` events reconcile nothing: one `lifecycle.case_status` job names their
 * Cases and freezes or unfreezes their chats (src/lifecycle). It is queued before the 202, so an
 * acknowledged status change is never lost (a failure answers 5xx and the Apex sends again).
 */
import { to18 } from '@sbsf/salesforce';
import { truncateText, type SalesforceEvent } from '@sbsf/wire';
import { validateSalesforceEventBatch } from '@sbsf/wire/salesforce-events-validate';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { requireSharedSecret, sharedSecretRateLimit } from '../http/shared-secret.js';
import { CASE_STATUS_JOB, type CaseStatusJobPayload } from '../case-status-job.js';
import type { Store } from '../store/types.js';
import type { MembershipService } from './service.js';

/**
 * Largest events body: one subscriber batch, 200 events of about 200 bytes with the shipped
 * PlatformEventSubscriberConfig and at most 2000 with the largest batch size it allows, more
 * than the API's default BODY_LIMIT_BYTES.
 */
export const EVENTS_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Every Id of an event in its 18-character form: Salesforce sends either form (Apex, reports and
 * Data Loader use both), the bridge keys everything (channel URLs, Sendbird user ids, the store)
 * on the 18-character one. Called once, here at the edge, after the schema checked every Id.
 */
export function normaliseEventIds(e: SalesforceEvent): SalesforceEvent {
  switch (e.type) {
    case 'case.owner_changed':
      return {
        ...e,
        caseId: to18(e.caseId),
        ownerId: to18(e.ownerId),
        previousOwnerId: e.previousOwnerId === null ? null : to18(e.previousOwnerId),
      };
    case 'agentwork.accepted':
      return { ...e, caseId: to18(e.caseId), userId: to18(e.userId), workId: to18(e.workId) };
    case 'case.status_changed':
      return { ...e, caseId: to18(e.caseId) };
  }
}

/**
 * A refused batch is written to the ledger, where the events' handling is written, so a
 * malformed Id from the org is never dropped in silence. A ledger that cannot be written does not
 * change the answer (the 400 says what to fix; the log keeps the refusal).
 */
async function ledgerRefusal(store: Store, req: FastifyRequest, refusal: { code: string; field: string; message: string }): Promise<void> {
  const body: unknown = req.body;
  const events = typeof body === 'object' && body !== null && 'events' in body ? body.events : undefined;
  const detail = {
    code: refusal.code,
    field: refusal.field,
    message: truncateText(refusal.message, 500, '...'),
    events: Array.isArray(events) ? events.length : 0,
  };
  req.log.warn(detail, 'salesforce events refused');
  try {
    await store.appendLedger({
      caseId: null,
      system: 'salesforce',
      action: 'events.refused',
      target: refusal.field,
      outcome: 'error',
      detail,
    });
  } catch (err) {
    req.log.error({ err }, 'salesforce events: the refusal could not be written to the ledger');
  }
}

/** The events that can change who should be in a Case's channel. */
export const MEMBERSHIP_EVENT_TYPES: ReadonlySet<string> = new Set(['case.owner_changed', 'agentwork.accepted']);

export interface EventRouteDeps {
  store: Store;
  service: MembershipService;
  sharedSecret: string;
  bodyLimitBytes: number;
}

export function eventRoutes(deps: EventRouteDeps) {
  return async (app: FastifyInstance) => {
    app.post(
      '/salesforce/events',
      {
        onRequest: requireSharedSecret(deps.sharedSecret),
        // Refusals before the handler (a body that is not JSON, too large, of another type) are
        // ledgered too; the handler ledgers its own, and a caller without the secret gets nothing.
        onError: async (req, _reply, err) => {
          if (err instanceof AppError) return;
          const status = (err as { statusCode?: number }).statusCode ?? 500;
          if (status < 400 || status >= 500) return;
          const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'invalid_json';
          await ledgerRefusal(deps.store, req, { code, field: 'body', message: err.message });
        },
        bodyLimit: Math.max(deps.bodyLimitBytes, EVENTS_BODY_LIMIT_BYTES),
        config: { rateLimit: sharedSecretRateLimit(deps.sharedSecret) },
        schema: {
          summary: 'Salesforce events (Case owner changed, Omni-Channel work accepted, Case status changed): stored, then acted on',
          description:
            'Body `{"events":[...]}` as in packages/wire/src/salesforce-events.schema.json ' +
            '(validated against it; a 400 names the field). ' +
            'Ids may be 15 or 18 characters and are used in their 18-character form; ' +
            'a malformed Id (an 18-character Id with a wrong checksum or letter case) is a 400 `invalid_id`, ' +
            'and every refused batch is written to the ledger. ' +
            "Events are hints: the bridge reads each Case's owner from Salesforce, so duplicates and order do not matter.",
          tags: ['salesforce'],
          security: [{ bridgeSecret: [] }],
          response: {
            202: { type: 'object', required: ['accepted'], properties: { accepted: { type: 'integer', description: 'events stored' } } },
            '4xx': { $ref: 'ErrorResponse#' },
          },
        },
      },
      async (req, reply) => {
        const checked = validateSalesforceEventBatch(req.body);
        if (!checked.ok) {
          await ledgerRefusal(deps.store, req, checked);
          throw new AppError(400, checked.code, checked.message, { field: checked.field });
        }
        const events = checked.value.events
          .map(normaliseEventIds)
          .map((e) => ({ type: e.type, caseId: e.caseId, occurredAt: e.occurredAt, payload: { ...e } }));
        // Every event is stored; only those about who owns a Case ask for a membership reconcile.
        const membership = events.filter((e) => MEMBERSHIP_EVENT_TYPES.has(e.type)).map((e) => e.caseId);
        const result = await deps.store.recordSalesforceEvents(events, deps.service.requestOptions('event'), membership);
        const counts = { events: result.stored, cases: result.requested, queued: result.queued, coalesced: result.coalesced };
        req.log.info(counts, 'salesforce events stored');
        const closedOrReopened = [...new Set(events.filter((e) => e.type === 'case.status_changed').map((e) => e.caseId))];
        if (closedOrReopened.length > 0) {
          const payload: CaseStatusJobPayload = { caseIds: closedOrReopened };
          const { job } = await deps.store.enqueue(CASE_STATUS_JOB, payload);
          req.log.info({ cases: closedOrReopened.length, jobId: job.id }, 'case status changes queued');
        }
        return reply.code(202).send({ accepted: result.stored });
      },
    );
  };
}
