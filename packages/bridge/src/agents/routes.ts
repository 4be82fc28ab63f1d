/**
 * `POST /agents/session` (bearer secret, as `/salesforce/events`): `{userId, nickname}` ->
 * `{appId, userId, nickname, accessToken, expiresAt, apiHost}`. The userId must be a Salesforce
 * User Id; a 15-character Id is answered with its 18-character form, which is the agent's Sendbird
 * user id everywhere (membership reconciles use the same). The route checks the input; the
 * service issues the session and names what went wrong.
 */
import { KEY_PREFIX } from '@sbsf/salesforce';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { salesforceIdOf } from '../http/request-checks.js';
import { requireSharedSecret, sharedSecretRateLimit } from '../http/shared-secret.js';
import { typed } from '../http/typed.js';
import type { AgentSessionService } from './service.js';

/** Salesforce's User.Name is at most 121 characters (FirstName 40 + space + LastName 80). */
export const MAX_NAME_LENGTH = 121;

const sessionSchema = {
  type: 'object',
  required: ['appId', 'userId', 'nickname', 'accessToken', 'expiresAt', 'apiHost'],
  properties: {
    appId: { type: 'string' },
    userId: { type: 'string', description: 'the 18-character User Id, also the Sendbird user id' },
    nickname: { type: 'string' },
    accessToken: { type: 'string', description: 'Sendbird session token' },
    expiresAt: { type: 'number', description: 'epoch ms' },
    apiHost: { type: 'string', description: 'the Sendbird API origin (the emulator in the sandbox)' },
  },
} as const;

export function agentRoutes(deps: { service: AgentSessionService; sharedSecret: string }) {
  return async (app: FastifyInstance) => {
    typed(app).post(
      '/agents/session',
      {
        onRequest: requireSharedSecret(deps.sharedSecret),
        config: { rateLimit: sharedSecretRateLimit(deps.sharedSecret) },
        schema: {
          summary: "An agent's Sendbird session: upserts the agent's Sendbird user (user_id = User Id, nickname = Name) and issues a token",
          tags: ['agents'],
          security: [{ bridgeSecret: [] }],
          body: Type.Object(
            {
              userId: Type.String({ minLength: 15, maxLength: 18, description: 'Salesforce User Id (005...), 15 or 18 characters' }),
              nickname: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH, pattern: '\\S', description: "the User's Name" }),
            },
            { additionalProperties: false },
          ),
          response: { 200: sessionSchema, '4xx': { $ref: 'ErrorResponse#' }, '5xx': { $ref: 'ErrorResponse#' } },
        },
      },
      async (req) => {
        const { userId, nickname } = req.body;
        return deps.service.session(salesforceIdOf(userId, 'userId', KEY_PREFIX.User, 'User'), nickname);
      },
    );
  };
}
