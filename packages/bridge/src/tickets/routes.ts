/**
 * `POST /tickets` (what the customer app uses), `GET /tickets/{id}`, `POST /session` (renew the
 * customer's Sendbird session token) and the tutorial's `POST /createticket`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { truncateText } from '@sbsf/wire';
import { AppError } from '../errors.js';
import { outageError } from '../http/error-handler.js';
import { typed, type TypedApp } from '../http/typed.js';
import type { CustomerAuthenticator } from '../identity/customer.js';
import type { Store, Ticket } from '../store/types.js';
import { parseTutorialBody } from './case-fields.js';
import { CASE_EMAIL_FIELDS, CASE_ID_FIELDS, checkCaseValues, invalidFieldError } from './case-input.js';
import {
  CASE_FIELD_ALLOW_LIST,
  CASE_FIELD_MAX_LENGTH,
  CASE_PICKLIST_FIELDS,
  REQUIRED_CASE_FIELDS,
  type CaseFieldName,
} from './case-schema.js';
import type { TicketFlow } from './flow.js';

/** The routes parse and authenticate, call the flow once (or read the store), and answer. */
export interface TicketRouteDeps {
  flow: TicketFlow;
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

/** The `case` object as the schema lets it through: every allowed field, a string or null. */
type CaseBody = Partial<Record<CaseFieldName, string | null>>;

// The shape only (keys, strings); the values are checked by Salesforce's rules in case-input.ts,
// which counts lengths in UTF-16 units as Salesforce does (a schema's maxLength counts code points).
// Built from the allow-list, hence written as JSON Schema and typed by hand (CaseBody).
const caseSchema = Type.Unsafe<CaseBody>({
  type: 'object',
  required: [...REQUIRED_CASE_FIELDS],
  additionalProperties: false,
  // null is let through to case-input.ts, which names every null required field at once.
  properties: Object.fromEntries(CASE_FIELD_ALLOW_LIST.map((f) => [f, { type: ['string', 'null'], description: caseFieldDoc(f) }])),
});

const customerSchema = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    nickname: Type.Optional(Type.String({ maxLength: 80 })),
    email: Type.Optional(Type.String({ maxLength: 80 })),
  },
  { additionalProperties: false },
);

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

/**
 * A Case or channel field of an answer, declared a string: before the ticket has a Case or a
 * channel it is null, which Fastify's serializer writes as "".
 */
const pendingString = () => Type.Unsafe<string | null>({ type: 'string' });

const ticketAnswerSchema = {
  type: 'object',
  properties: {
    ticket: { type: 'object', properties: { id: { type: 'string' }, state: { type: 'string' }, createdAt: { type: 'number' } } },
    case: { type: 'object', properties: { id: pendingString(), caseNumber: pendingString() } },
    channel: { type: 'object', properties: { url: pendingString() } },
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
  if (err instanceof AppError && typeof err.extra.retryAfterSeconds === 'number') {
    reply.header('retry-after', String(err.extra.retryAfterSeconds));
  }
}

const errorResponses = { '4xx': { $ref: 'ErrorResponse#' }, '5xx': { $ref: 'ErrorResponse#' } } as const;

export function ticketRoutes(deps: TicketRouteDeps) {
  return async (app: FastifyInstance) => {
    const routes = typed(app);
    openTicketRoute(routes, deps);
    ticketStatusRoute(routes, deps);
    sessionRoute(routes, deps);
    // The tutorial's endpoint, in its own context for its own error shape.
    await app.register(async (compat) => tutorialRoute(compat, deps));
  };
}

/** `POST /tickets`: the customer app's way to open a ticket. */
function openTicketRoute(app: TypedApp, { flow, authenticate }: TicketRouteDeps): void {
  app.post(
    '/tickets',
    {
      schema: {
        summary: 'Open a support ticket: a Case and its chat channel, exactly once per Idempotency-Key',
        tags: ['tickets'],
        headers: Type.Object({
          'idempotency-key': Type.String({
            minLength: 1,
            maxLength: 255,
            description: 'Made once per submission; a retry sends the same key',
          }),
        }),
        body: Type.Object({ customer: Type.Optional(customerSchema), case: caseSchema }, { additionalProperties: false }),
        response: { 201: ticketAnswerSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const started = performance.now();
      try {
        // Salesforce's rules first: a refused ticket claims no key and creates nothing.
        const checked = checkCaseValues(req.body.case);
        if (checked.problems.length > 0) throw invalidFieldError(checked.problems);
        const identity = await authenticate({ headers: req.headers, customer: req.body.customer });
        const idempotencyKey = req.headers['idempotency-key'];
        const { ticket, session, serverTiming } = await flow.open({ identity, fields: checked.fields, idempotencyKey, started });
        reply.header('server-timing', serverTiming);
        return reply.code(201).send({ ...ticketView(ticket), sendbird: session });
      } catch (err) {
        setRetryAfter(reply, err);
        throw err;
      }
    },
  );
}

/** `GET /tickets/{id}`: a ticket's state, for the customer who opened it. */
function ticketStatusRoute(app: TypedApp, { authenticate, store }: TicketRouteDeps): void {
  app.get(
    '/tickets/:id',
    {
      schema: {
        summary: "A ticket's state, for its customer",
        tags: ['tickets'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          200: { type: 'object', properties: { ...ticketAnswerSchema.properties, lastError: { type: ['string', 'null'] } } },
          '4xx': { $ref: 'ErrorResponse#' },
        },
      },
    },
    async (req) => {
      const identity = await authenticate({ headers: req.headers });
      const t = await store.getTicket(req.params.id);
      // Another customer's ticket is "not found", not "forbidden": ids must not be probeable.
      if (!t || t.clientKey !== identity.userId) throw new AppError(404, 'ticket_not_found', 'no ticket with this id for this customer');
      return { ...ticketView(t), lastError: t.state === 'failed' ? t.lastError : null };
    },
  );
}

/** `POST /session`: a new Sendbird session token for a customer (the flow names what went wrong). */
function sessionRoute(app: TypedApp, { flow, authenticate }: TicketRouteDeps): void {
  app.post(
    '/session',
    {
      schema: {
        summary: "Renew the customer's Sendbird session token",
        tags: ['tickets'],
        body: Type.Object({ customer: Type.Optional(customerSchema) }, { additionalProperties: false }),
        response: { 200: sessionSchema, ...errorResponses },
      },
    },
    async (req) => {
      const identity = await authenticate({ headers: req.headers, customer: req.body.customer });
      return flow.renewSession(identity);
    },
  );
}

/**
 * The tutorial's errors: `{error: true, code, message}` with the status as `code`, and the
 * bridge's error code as `reason`. Outages and upstream failures get their 503/502, as on every
 * other route.
 */
function tutorialErrorHandler(app: FastifyInstance) {
  return (err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
    const e = err instanceof AppError ? err : outageError(err);
    const statusCode = (err as { statusCode?: unknown }).statusCode;
    const status = e?.status ?? (typeof statusCode === 'number' ? statusCode : 500);
    if (status >= 500 && !e) app.log.error({ err }, 'createticket failed');
    setRetryAfter(reply, err);
    const message = e?.message ?? (status < 500 ? (err as Error).message : 'internal error');
    return reply.code(status).send({ error: true, code: status, message, ...(e ? { reason: e.code, ...e.extra } : {}) });
  };
}

/** `POST /createticket`: the tutorial's endpoint, answering in the tutorial's shape. */
function tutorialRoute(app: FastifyInstance, { flow, authenticate }: TicketRouteDeps): void {
  app.setErrorHandler(tutorialErrorHandler(app));
  app.post(
    '/createticket',
    {
      schema: {
        summary:
          "The tutorial's endpoint: headers `user` + `token`, body `{token_type, case}` (or `{user_id}`); " +
          'answers the Sendbird group channel',
        tags: ['tickets'],
        // Any JSON object: parseTutorialBody reads both of the tutorial's body shapes.
        body: { type: 'object', additionalProperties: true },
      },
    },
    async (req, reply) => {
      const parsed = parseTutorialBody(req.body);
      if ('status' in parsed) return reply.code(parsed.status).send(parsed.body);
      const customer = parsed.shape === 'v1' ? { userId: parsed.userId } : undefined;
      const tokenType = parsed.shape === 'v2' ? { tokenType: parsed.tokenType } : {};
      const identity = await authenticate({ headers: req.headers, customer, ...tokenType });
      const key = req.headers['idempotency-key'];
      const channel = await flow.openTutorial({
        identity,
        ...(parsed.shape === 'v2' ? { fields: parsed.caseFields } : {}),
        idempotencyKey: typeof key === 'string' && key ? truncateText(key, 255) : null,
      });
      return reply.code(200).send(channel);
    },
  );
}
