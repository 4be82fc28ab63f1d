import { timingSafeEqual } from 'node:crypto';
import { signWebhook } from './sign-webhook.js';

export interface VerifyWebhookSignatureArgs {
  /** The body exactly as received: re-serialised JSON would not match. */
  rawBody: string | Buffer;
  /** The `x-sendbird-signature` header value. */
  signature: string | undefined | null;
  /** The current master API token. */
  apiToken: string;
  /** Tokens used before a rotation, tried after `apiToken`. */
  previousApiTokens?: readonly string[];
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * True when `signature` is the HMAC-SHA256 of `rawBody` under the current or a previous token.
 * Constant-time per comparison; a malformed or wrong-length signature is rejected before comparing.
 */
export function verifyWebhookSignature(args: VerifyWebhookSignatureArgs): boolean {
  if (typeof args.signature !== 'string') return false;
  const given = args.signature.trim().toLowerCase();
  if (!HEX_SHA256.test(given)) return false;
  const givenBytes = Buffer.from(given, 'hex');
  const tokens = [args.apiToken, ...(args.previousApiTokens ?? [])].filter((t) => typeof t === 'string' && t !== '');
  let ok = false;
  for (const token of tokens) {
    const expected = Buffer.from(signWebhook(args.rawBody, token), 'hex');
    // Keep comparing after a match so the time taken does not tell which token matched.
    if (expected.length === givenBytes.length && timingSafeEqual(expected, givenBytes)) ok = true;
  }
  return ok;
}
