/**
 * `POST /tickets` (what the customer app uses), `GET /tickets/{id}`, `POST /session` (renew the
 * customer's Sendbird session token) and the tutorial's `POST /createticket`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SendbirdNotFoundError } from '@sbsf/sendbird';
import { truncateText } from '@sbsf/wire';
import { AppError } from '../errors.js';
import { outageError } from '../http/error-handler.js';
import type { CustomerAuthenticator } from '../identity/customer.js';
import type { Store, Ticket } from '../store/types.js';
import { classifyFailure } from '../upstream-failure.js';
import { parseTutorialBody } from './case-fields.js';
import { CASE_EMAIL_FIELDS, CASE_ID_FIELDS, checkCaseValues, invalidFieldError } from './case-input.js';
import { CASE_FIELD_ALLOW_LIST, CASE_FIELD_MAX_LENGTH, CASE_PICKLIST_FIELDS, REQUIRED_CASE_FIELDS } from './case-schema.js';
import type { TicketFlow } from './flow.js';
import type { TicketService } from './service.js';

/** The routes parse and authenticate, call the flow (or the service) once, and answer. */
export interface TicketRouteDeps {
  flow: TicketFlow;
  service: TicketService;
  authenticate: CustomerAuthenticator;
  store: Store;
}

/** What the OpenAPI document says about a Case field; the rules themselves are in case-input.ts. */
function caseFieldDoc(f: (typeof CASE_FIELD_ALLOW_LIST)[number]): string {
  const parts = [`at most ${CASE_FIELD_MAX_LENGTH[f]} UTF-16 code units (an emoji counts as 2)`];
  if (REQUIRED_CASE_FIELDS.includes(f)) parts.unshift('required, not blank');
  if (CASE_EMAIL_FIELDS.has(f)) parts.push('an email address Salesforce accepts');
  const id = CASE_ID_FIELDS[f];
  if (id) parts.push(`a ${id.object} Id (${id.prefix}..., 15 or 18 characters)`);
  if ((CASE_PICKLIST_FIELDS as readonly string[]).includes(f)) parts.push("one of the org's picklist values");
  return `${parts.join('; ')}. A value Salesforce would refuse is a 400 invalid_field.`;
}

// The shape only (keys, strings); the values are checked by Salesforce's rules in case-input.ts,
// which counts lengths in UTF-16 units as Salesforce does (a schema's maxLength counts code points).
const caseSchema = {
  type: 'object',
  required: [...REQUIRED_CASE_FIELDS],
  additionalProperties: false,
  // null is let through to case-input.ts, which names every null required field at once.
  properties: Object.fromEntries(CASE_FIELD_ALLOW_LIST.map((f) => [f, { type: ['string', 'null'], description: caseFieldDoc(f) }])),
} as const;

const customerSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    userId: { type: 'string', minLength: 1, maxLength: 80 },
    nickname: { type: 'string', maxLength: 80 },
    email: { type: 'string', maxLength: 80 },
  },
} as const;

const sessionSchema = {
  type: 'object',
  required: ['appId', 'userId', 'accessToken', 'expiresAt', 'apiHost'],
  properties: {
    appId: { type: 'string' },
    userId: { type: 'string' },
    accessToken: { type: 'string', description: 'Sendbird session token; connect with it' },
    expiresAt: { type: 'number', description: 'epoch ms' },
    apiHost: { type: 'string' },
  },
} as const;

const ticketAnswerSchema = {
  type: 'object',
  properties: {
    ticket: { type: 'object', properties: { id: { type: 'string' }, state: { type: 'string' }, createdAt: { type: 'number' } } },
    case: { type: 'object', properties: { id: { type: 'string' }, caseNumber: { type: 'string' } } },
    channel: { type: 'object', properties: { url: { type: 'string' } } },
    sendbird: sessionSchema,
  },
} as const;

function ticketView(t: Ticket) {
  return {
    ticket: { id: t.id, state: t.state, createdAt: t.createdAt },
    case: { id: t.caseId, caseNumber: t.caseNumber },
    channel: { url: t.channelUrl },
  };
}

function setRetryAfter(reply: FastifyReply, err: unknown): void {
  if (err instanceof AppError && typeof err.extra.retryAfterSeconds === 'number') reply.header('retry-after', String(err.extra.retryAfterSeconds));
}

export function ticketRoutes(deps: TicketRouteDeps) {
  const { flow, service, authenticate, store } = deps;
  return async (app: FastifyInstance) => {
    app.post(
      '/tickets',
      {
        schema: {
          summary: 'Open a support ticket: a Case and its chat channel, exactly once per Idempotency-Key',
          tags: ['tickets'],
          headers: {
            type: 'object',
            required: ['idempotency-key'],
            properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 255, description: 'Made once per submission; a retry sends the same key' } },
          },
          body: { type: 'object', required: ['case'], additionalProperties: false, properties: { customer: customerSchema, case: caseSchema } },
          response: { 201: ticketAnswerSchema, '4xx': { $ref: 'ErrorResponse#' }, '5xx': { $ref: 'ErrorResponse#' } },
        },
      },
      async (req, reply) => {
        const body = req.body as { customer?: { userId?: string; nickname?: string; email?: string }; case: Record<string, unknown> };
        const started = performance.now();
        try {
          // Salesforce's rules first: a refused ticket claims no key and creates nothing.
          const checked = checkCaseValues(body.case);
          if (checked.problems.length > 0) throw invalidFieldError(checked.problems);
          const identity = await authenticate({ headers: req.headers, customer: body.customer });
          const { ticket, session, serverTiming } = await flow.open({ identity, fields: checked.fields, idempotencyKey: req.headers['idempotency-key'] as string, started });
          reply.header('server-timing', serverTiming);
          return reply.code(201).send({ ...ticketView(ticket), sendbird: session });
        } catch (err) {
          setRetryAfter(reply, err);
          throw err;
        }
      },
    );

    app.get(
      '/tickets/:id',
      {
        schema: {
          summary: "A ticket's state, for its customer",
          tags: ['tickets'],
          params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } },
          response: { 200: { type: 'object', properties: { ...ticketAnswerSchema.properties, lastError: { type: ['string', 'null'] } } }, '4xx': { $ref: 'ErrorResponse#' } },
        },
      },
      async (req) => {
        const identity = await authenticate({ headers: req.headers });
        const t = await store.getTicket((req.params as { id: string }).id);
        // Another customer's ticket is "not found", not "forbidden": ids must not be probeable.
        if (!t || t.clientKey !== identity.userId) throw new AppError(404, 'ticket_not_found', 'no ticket with this id for this customer');
        return { ...ticketView(t), lastError: t.state === 'failed' ? t.lastError : null };
      },
    );

    app.post(
      '/session',
      {
        schema: {
          summary: "Renew the customer's Sendbird session token",
          tags: ['tickets'],
          body: { type: 'object', additionalProperties: false, properties: { customer: customerSchema } },
          response: { 200: sessionSchema, '4xx': { $ref: 'ErrorResponse#' }, '5xx': { $ref: 'ErrorResponse#' } },
        },
      },
      async (req, reply) => {
        const body = (req.body ?? {}) as { customer?: { userId?: string; nickname?: string } };
        const identity = await authenticate({ headers: req.headers, customer: body.customer });
        try {
          return await service.session(identity.userId);
        } catch (err) {
          // A customer who never opened a ticket has no Sendbird user yet (Sendbird 400201).
          if (err instanceof SendbirdNotFoundError) throw new AppError(404, 'customer_not_found', 'this customer has no chat user yet: open a ticket first');
          if (classifyFailure(err).kind === 'retryable') {
            reply.header('retry-after', '5');
            throw new AppError(503, 'sendbird_unavailable', 'Sendbird could not be reached to issue the session; retry in a moment', { retryAfterSeconds: 5 }, { cause: err });
          }
          throw new AppError(502, 'sendbird_refused', 'Sendbird refused to issue the session', {}, { cause: err });
        }
      },
    );

    // The tutorial's endpoint, answers in the tutorial's shape: `{error, code, message}`.
    await app.register(async (compat) => {
      compat.setErrorHandler((err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
        // Outages and upstream failures get their 503/502, as on every other route.
        const e = err instanceof AppError ? err : outageError(err);
        const status = e?.status ?? (typeof (err as { statusCode?: number }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500);
        if (status >= 500 && !e) app.log.error({ err }, 'createticket failed');
        setRetryAfter(reply, err);
        const message = e?.message ?? (status < 500 ? (err as Error).message : 'internal error');
        return reply.code(status).send({ error: true, code: status, message, ...(e ? { reason: e.code, ...e.extra } : {}) });
      });
      compat.post(
        '/createticket',
        {
          schema: {
            summary: "The tutorial's endpoint: headers `user` + `token`, body `{token_type, case}` (or `{user_id}`); answers the Sendbird group channel",
            tags: ['tickets'],
            body: { type: 'object', additionalProperties: true },
          },
        },
        async (req, reply) => {
          const parsed = parseTutorialBody(req.body);
          if ('status' in parsed) return reply.code(parsed.status).send(parsed.body);
          const customer = parsed.shape === 'v1' ? { userId: parsed.userId } : undefined;
          const identity = await authenticate({ headers: req.headers, customer, ...(parsed.shape === 'v2' ? { tokenType: parsed.tokenType } : {}) });
          const key = req.headers['idempotency-key'];
          const channel = await flow.openTutorial({
            identity,
            ...(parsed.shape === 'v2' ? { fields: parsed.caseFields } : {}),
            idempotencyKey: typeof key === 'string' && key ? truncateText(key, 255) : null,
          });
          return reply.code(200).send(channel);
        },
      );
    });
  };
}
