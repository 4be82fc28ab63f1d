/**
 * `POST /agents/history` (bearer secret, as `/agents/session`): `{userId, caseId}` -> the
 * customer's other Cases that agent may see (`CaseHistory` of @sbsf/wire). Asked by the Apex
 * `SendbirdAgentSession.getCaseHistory` for the running agent, through the Named Credential.
 */
import { KEY_PREFIX } from '@sbsf/salesforce';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { salesforceIdOf } from '../http/request-checks.js';
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
        const userId = salesforceIdOf(req.body.userId, 'userId', KEY_PREFIX.User, 'User');
        const caseId = salesforceIdOf(req.body.caseId, 'caseId', KEY_PREFIX.Case, 'Case');
        return deps.service.history(userId, caseId);
      },
    );
  };
}
