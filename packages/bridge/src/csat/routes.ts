/**
 * The customer's routes on a ticket's Case, with the customer's own auth (as `GET /tickets/{id}`):
 *
 * - `GET /tickets/{caseId}/csat`: the Case's survey (404 `csat_not_found` before the Case closed);
 * - `POST /tickets/{caseId}/csat` `{rating: 1..5, comment?}`: the answer. 200 and the survey when
 *   recorded, and again for the very same answer (idempotent); 400 `invalid_rating` /
 *   `invalid_comment`; 404 `csat_not_found`; 409 `csat_already_answered` (another answer was
 *   recorded); 410 `csat_expired`;
 * - `POST /tickets/{caseId}/end`: the customer ends the chat. 202 and the end when recorded, 200
 *   and the end recorded first when repeated; 409 `ticket_not_ready` while the ticket has no chat.
 *
 * A Case that is not one of this customer's tickets is 404 `ticket_not_found`, whether it exists
 * or not (as `GET /tickets/{id}`: ids must not be probeable).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { isSalesforceId, to18 } from '@sbsf/salesforce';
import { AppError } from '../errors.js';
import { typed } from '../http/typed.js';
import type { CustomerAuthenticator, CustomerClaimsInput } from '../identity/customer.js';
import type { Store } from '../store/types.js';
import { chatEndView, type ChatEndService } from './chat-end.js';
import { parseCsatAnswer, surveyNotFound, type CsatService } from './service.js';

export interface CaseRouteDeps {
  store: Store;
  authenticate: CustomerAuthenticator;
  csat: CsatService;
  chatEnd: ChatEndService;
}

const errors = { '4xx': { $ref: 'ErrorResponse#' }, '5xx': { $ref: 'ErrorResponse#' } } as const;

const params = Type.Object({
  caseId: Type.String({ minLength: 1, maxLength: 64, description: "The Case Id (the channel's URL), 15 or 18 characters" }),
});

const customer = Type.Optional(
  Type.Object(
    {
      userId: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
      nickname: Type.Optional(Type.String({ maxLength: 80 })),
      email: Type.Optional(Type.String({ maxLength: 80 })),
    },
    { additionalProperties: false, description: 'guest mode only: who the customer is' },
  ),
);

const csatAnswerSchema = {
  type: 'object',
  properties: {
    csat: {
      type: 'object',
      properties: {
        surveyId: { type: 'string' },
        caseId: { type: 'string' },
        state: { type: 'string', enum: ['open', 'answered', 'expired'] },
        question: { type: 'string' },
        expiresAt: { type: 'number', description: 'epoch ms' },
        rating: { type: ['integer', 'null'] },
        comment: { type: ['string', 'null'] },
        answeredAt: { type: ['number', 'null'], description: 'epoch ms' },
      },
    },
  },
} as const;

const endAnswerSchema = {
  type: 'object',
  properties: {
    end: {
      type: 'object',
      properties: { caseId: { type: 'string' }, action: { type: 'string', enum: ['close', 'mark'] }, requestedAt: { type: 'number' } },
    },
  },
} as const;

export function caseRoutes(deps: CaseRouteDeps) {
  /** The customer, and their ticket of this Case; 404 for a Case that is not theirs. */
  const ownCase = async (input: CustomerClaimsInput, caseIdParam: string) => {
    const identity = await deps.authenticate(input);
    if (!isSalesforceId(caseIdParam)) {
      throw new AppError(400, 'invalid_id', 'caseId must be a Case Id of 15 or 18 letters and digits', { field: 'caseId' });
    }
    const caseId = to18(caseIdParam);
    const ticket = await deps.store.getTicketByCase(caseId);
    if (!ticket || ticket.clientKey !== identity.userId) {
      throw new AppError(404, 'ticket_not_found', 'no ticket with this Case for this customer');
    }
    return { identity, ticket, caseId };
  };

  return async (app: FastifyInstance) => {
    const routes = typed(app);
    routes.get(
      '/tickets/:caseId/csat',
      {
        schema: {
          summary: "The Case's satisfaction survey, for its customer",
          tags: ['tickets'],
          params,
          response: { 200: csatAnswerSchema, ...errors },
        },
      },
      async (req) => {
        const { caseId } = await ownCase({ headers: req.headers }, req.params.caseId);
        const survey = await deps.store.getCsatSurvey(caseId);
        if (!survey) throw surveyNotFound();
        return deps.csat.view(survey);
      },
    );

    routes.post(
      '/tickets/:caseId/csat',
      {
        schema: {
          summary: "Answer the Case's satisfaction survey (once; the same answer again is a no-op)",
          tags: ['tickets'],
          params,
          body: Type.Object(
            {
              // Checked by the route (400 invalid_rating), not the schema, so the answer names the rule.
              rating: Type.Optional(Type.Unknown({ description: 'required: a whole number from 1 (poor) to 5 (excellent)' })),
              comment: Type.Optional(
                Type.Unknown({ description: 'optional; at most 1000 UTF-16 code units (an emoji counts as 2); blank is no comment' }),
              ),
              customer,
            },
            { additionalProperties: false },
          ),
          response: { 200: csatAnswerSchema, ...errors },
        },
      },
      async (req) => {
        const { caseId } = await ownCase({ headers: req.headers, customer: req.body.customer }, req.params.caseId);
        const answer = parseCsatAnswer(req.body);
        return deps.csat.view(await deps.csat.answer(caseId, answer));
      },
    );

    routes.post(
      '/tickets/:caseId/end',
      {
        schema: {
          summary: 'The customer ends the chat: the Case is closed or marked (CUSTOMER_END_ACTION), once',
          tags: ['tickets'],
          params,
          body: Type.Object({ customer }, { additionalProperties: false, description: '`{}` (guest mode: `{customer}`)' }),
          response: { 200: endAnswerSchema, 202: endAnswerSchema, ...errors },
        },
      },
      async (req, reply) => {
        const { identity, ticket, caseId } = await ownCase({ headers: req.headers, customer: req.body.customer }, req.params.caseId);
        if (!ticket.channelUrl) {
          throw new AppError(409, 'ticket_not_ready', 'this ticket has no chat yet; try again once it is set up', {
            retryAfterSeconds: 2,
          });
        }
        const { end, created } = await deps.chatEnd.request(caseId, identity.userId);
        return reply.code(created ? 202 : 200).send(chatEndView(end));
      },
    );
  };
}
