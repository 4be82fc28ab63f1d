import { createHmac } from 'node:crypto';

/**
 * The `x-sendbird-signature` of a webhook body: lowercase hex HMAC-SHA256 of the raw bytes, keyed
 * by the MASTER API token ("Always use the master API token", https://sendbird.com/docs/chat/v3/platform-api/webhook/webhook-overview).
 * Shipped beside `verifyWebhookSignature` so the emulator and tests sign instead of skipping checks.
 */
export function signWebhook(rawBody: string | Buffer, apiToken: string): string {
  return createHmac('sha256', apiToken).update(rawBody).digest('hex');
}
