/**
 * `POST /agents/history` (bearer secret, as `/agents/session`): `{userId, caseId}` -> the
 * customer's other Cases that agent may see (`CaseHistory` of @sbsf/wire). Asked by the Apex
 * `SendbirdAgentSession.getCaseHistory` for the running agent, through the Named Credential.
 */
import { idProblem, KEY_PREFIX, to18 } from '@sbsf/salesforce';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { requireSharedSecret, sharedSecretRateLimit } from '../http/shared-secret.js';
import { typed } from '../http/typed.js';
import type { CaseHistoryService } from './service.js';

const nullableString = { type: ['string', 'null'] } as const;

const historySchema = {
  type: 'object',
  required: ['caseId', 'cases'],
  properties: {
    caseId: { type: 'string', description: 'the Case asked about (18 characters); not among `cases`' },
    cases: {
      type: 'array',
      description: "the customer's other Cases the agent may read, newest first, at most 20",
      items: {
        type: 'object',
        required: ['id', 'caseNumber', 'subject', 'status', 'isClosed', 'createdAt', 'lastMessage'],
        properties: {
          id: { type: 'string' },
          caseNumber: { type: 'string' },
          subject: nullableString,
          status: nullableString,
          isClosed: { type: 'boolean' },
          createdAt: { ...nullableString, description: 'Case.CreatedDate' },
          lastMessage: {
            type: ['object', 'null'],
            description: 'the newest customer or agent message of its transcript',
            required: ['body', 'senderRole', 'senderName', 'sentAt'],
            properties: { body: { type: 'string' }, senderRole: nullableString, senderName: nullableString, sentAt: nullableString },
          },
        },
      },
    },
  },
} as const;

/** A Salesforce Id of the given key prefix, in its 18-character form; 400 naming the field otherwise. */
function idOf(value: string, field: string, prefix: string, what: string): string {
  const malformed = idProblem(value);
  if (malformed) throw new AppError(400, 'invalid_id', `${field} is not a valid Salesforce Id: ${malformed}`, { field });
  if (!value.startsWith(prefix)) {
    throw new AppError(400, 'invalid_request', `${field} must be a ${what} Id (starting with ${prefix}), not ${value.slice(0, 3)}...`, {
      field,
    });
  }
  return to18(value);
}

export function historyRoutes(deps: { service: CaseHistoryService; sharedSecret: string }) {
  return async (app: FastifyInstance) => {
    typed(app).post(
      '/agents/history',
      {
        onRequest: requireSharedSecret(deps.sharedSecret),
        config: { rateLimit: sharedSecretRateLimit(deps.sharedSecret) },
        schema: {
          summary: "The customer's other Cases, as the agent may see them, each with its last message",
          tags: ['agents'],
          security: [{ bridgeSecret: [] }],
          body: Type.Object(
            {
              userId: Type.String({
                minLength: 15,
                maxLength: 18,
                description: 'the agent: Salesforce User Id (005...), 15 or 18 characters',
              }),
              caseId: Type.String({
                minLength: 15,
                maxLength: 18,
                description: 'the Case of the open conversation (500...), 15 or 18 characters',
              }),
            },
            { additionalProperties: false },
          ),
          response: { 200: historySchema, '4xx': { $ref: 'ErrorResponse#' }, '5xx': { $ref: 'ErrorResponse#' } },
        },
      },
      async (req) => {
        const userId = idOf(req.body.userId, 'userId', KEY_PREFIX.User, 'User');
        const caseId = idOf(req.body.caseId, 'caseId', KEY_PREFIX.Case, 'Case');
        return deps.service.history(userId, caseId);
      },
    );
  };
}
