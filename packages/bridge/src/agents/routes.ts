/**
 * `POST /agents/session` (bearer secret, as `/salesforce/events`): `{userId, nickname}` ->
 * `{appId, userId, nickname, accessToken, expiresAt, apiHost}`. The userId must be a Salesforce
 * User Id; a 15-character Id is answered with its 18-character form, which is the agent's Sendbird
 * user id everywhere (membership reconciles use the same).
 */
import { idProblem, KEY_PREFIX, to18 } from '@sbsf/salesforce';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { requireSharedSecret, sharedSecretRateLimit } from '../http/shared-secret.js';
import { classifyFailure } from '../upstream-failure.js';
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
    app.post(
      '/agents/session',
      {
        onRequest: requireSharedSecret(deps.sharedSecret),
        config: { rateLimit: sharedSecretRateLimit(deps.sharedSecret) },
        schema: {
          summary: "An agent's Sendbird session: upserts the agent's Sendbird user (user_id = User Id, nickname = Name) and issues a token",
          tags: ['agents'],
          security: [{ bridgeSecret: [] }],
          body: {
            type: 'object',
            required: ['userId', 'nickname'],
            additionalProperties: false,
            properties: {
              userId: { type: 'string', minLength: 15, maxLength: 18, description: 'Salesforce User Id (005...), 15 or 18 characters' },
              nickname: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH, pattern: '\\S', description: "the User's Name" },
            },
          },
          response: { 200: sessionSchema, '4xx': { $ref: 'ErrorResponse#' }, '5xx': { $ref: 'ErrorResponse#' } },
        },
      },
      async (req) => {
        const body = req.body as { userId: string; nickname: string };
        const malformed = idProblem(body.userId);
        if (malformed) throw new AppError(400, 'invalid_id', `userId is not a valid Salesforce Id: ${malformed}`, { field: 'userId' });
        if (!body.userId.startsWith(KEY_PREFIX.User)) {
          throw new AppError(400, 'invalid_request', `userId must be a User Id (starting with ${KEY_PREFIX.User}), not ${body.userId.slice(0, 3)}...`, { field: 'userId' });
        }
        try {
          return await deps.service.session(to18(body.userId), body.nickname);
        } catch (err) {
          const failure = classifyFailure(err);
          if (failure.kind === 'retryable') {
            throw new AppError(503, 'sendbird_unavailable', 'Sendbird could not be reached to issue the session; retry in a moment', { retryAfterSeconds: 5 }, { cause: err });
          }
          throw new AppError(502, 'sendbird_refused', `Sendbird refused the agent session (code ${failure.code})`, {}, { cause: err });
        }
      },
    );
  };
}
