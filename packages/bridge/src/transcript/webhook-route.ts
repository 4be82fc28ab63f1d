/**
 * `POST /sendbird/webhooks`: what Sendbird posts for every event of the app
 * (https://sendbird.com/docs/chat/platform-api/v3/webhook/webhook-overview). Sendbird waits 5 s
 * for a 200 and sends the same POST up to 3 times, so the work is never done here: the event is
 * stored durably, then answered 200 at once, and a flush job writes it to Salesforce later.
 *
 * In its own encapsulated plugin with a content-type parser that keeps the raw bytes, because
 * `x-sendbird-signature` is the HMAC-SHA256 of the body exactly as sent (re-serialised JSON would
 * not match). Checks in a fixed order, each with its own answer (the octokit/webhooks.js way):
 *
 *   body over SENDBIRD_WEBHOOK_BODY_LIMIT_BYTES   413 payload_too_large
 *   no x-sendbird-signature header                401 signature_missing
 *   signature of neither the current nor a
 *   previous token (SENDBIRD_PREVIOUS_API_TOKENS)  401 signature_invalid
 *   body not JSON                                 400 invalid_json
 *   anything else                                 200: stored, a duplicate, or ignored
 *
 * Nothing is stored before the signature is checked.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyWebhookSignature } from '@sbsf/sendbird';
import { AppError } from '../errors.js';
import { createErrorHandler } from '../http/error-handler.js';
import type { Store, TranscriptEvent } from '../store/types.js';
import { interpretWebhook } from './webhook-payload.js';

export const WEBHOOK_PATH = '/sendbird/webhooks';
export const SIGNATURE_HEADER = 'x-sendbird-signature';

export type WebhookOutcome = 'stored' | 'duplicate' | 'ignored' | 'unauthorized' | 'invalid';

export interface WebhookRouteDeps {
  store: Store;
  apiToken: string;
  previousApiTokens: readonly string[];
  bodyLimitBytes: number;
  /** The flush job kind, its delay (read per message) and batch size (see Store.recordTranscriptEvent). */
  flush: { kind: string; delayMs: number; batchSize: number };
  /** Counts each request's outcome (metrics). */
  count?: (outcome: WebhookOutcome, detail?: string) => void;
  /** Called once a message event is stored, with its flush job's due time (the mirror may bring it forward). */
  onStored?: (flushAt: number) => Promise<void> | void;
  /** Called after a message event was stored or found a duplicate (catch-up looks for late webhooks). */
  onEvent?: (event: TranscriptEvent) => Promise<void> | void;
}

export function webhookRoutes(deps: WebhookRouteDeps) {
  const count = deps.count ?? (() => undefined);
  return async (app: FastifyInstance) => {
    // Raw bytes for every content type: the signature is over them, and Sendbird always sends JSON.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimitBytes }, (_req, body, done) => done(null, body));
    app.setErrorHandler(createErrorHandler({ bodyLimitBytes: deps.bodyLimitBytes }));

    app.post(
      WEBHOOK_PATH,
      {
        bodyLimit: deps.bodyLimitBytes,
        // Sendbird posts every event of the app from a few addresses: signed requests are not
        // counted per IP (one HMAC each is all an unsigned flood costs); unsigned ones are.
        config: { rateLimit: { allowList: (req: FastifyRequest) => typeof req.headers[SIGNATURE_HEADER] === 'string' } },
        // Thousands per second at peak: only problems are logged.
        logLevel: 'warn',
        schema: {
          summary: 'Sendbird webhooks (messages of support channels become the Case transcript)',
          description:
            'Signed by Sendbird: `x-sendbird-signature` is the hex HMAC-SHA256 of the raw body keyed by the master API token. ' +
            'Answered 200 as soon as the event is stored; Salesforce is written later, in batches. Categories other than ' +
            '`group_channel:message_send`, `:message_update` and `:message_delete` are acknowledged and ignored.',
          tags: ['sendbird'],
          response: {
            200: {
              type: 'object',
              required: ['ok', 'outcome'],
              properties: {
                ok: { type: 'boolean' },
                outcome: { type: 'string', enum: ['stored', 'duplicate', 'ignored'] },
                reason: { type: 'string' },
              },
            },
            '4xx': { $ref: 'ErrorResponse#' },
          },
        },
      },
      async (req: FastifyRequest, reply: FastifyReply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const signature = req.headers[SIGNATURE_HEADER];
        if (typeof signature !== 'string' || signature.trim() === '') {
          count('unauthorized', 'missing');
          const message = `the ${SIGNATURE_HEADER} header is missing: only Sendbird's signed webhooks are accepted here`;
          throw new AppError(401, 'signature_missing', message);
        }
        if (!verifyWebhookSignature({ rawBody: raw, signature, apiToken: deps.apiToken, previousApiTokens: deps.previousApiTokens })) {
          count('unauthorized', 'invalid');
          throw new AppError(
            401,
            'signature_invalid',
            `the ${SIGNATURE_HEADER} header does not match the body: SENDBIRD_API_TOKEN must be the app's master API token ` +
              '(list the old one in SENDBIRD_PREVIOUS_API_TOKENS while rotating), ' +
              'and nothing between Sendbird and the bridge may rewrite the body',
          );
        }
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          count('invalid');
          throw new AppError(400, 'invalid_json', 'the body is not valid JSON');
        }
        const meaning = interpretWebhook(body, raw);
        if (meaning.kind === 'ignored') {
          count('ignored', meaning.reason);
          return reply.code(200).send({ ok: true, outcome: 'ignored', reason: meaning.reason });
        }
        // The flush job's due time reaches the job runner from the store (onJobDue).
        const { outcome, flushAt } = await deps.store.recordTranscriptEvent(meaning.event, deps.flush);
        count(outcome);
        if (outcome === 'stored') await deps.onStored?.(flushAt);
        await deps.onEvent?.(meaning.event);
        return reply.code(200).send({ ok: true, outcome });
      },
    );
  };
}
