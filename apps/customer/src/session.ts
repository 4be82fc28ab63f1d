/** When to renew a Sendbird session token before it expires. */

/** Renew this long before expiry, so a conversation never sees the token run out. */
export const RENEW_BEFORE_MS = 60_000;
/** Never renew sooner than this (a token issued with a very short life). */
export const MIN_RENEW_DELAY_MS = 5_000;
/** setTimeout cannot wait longer than 2^31-1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

export function renewDelay(expiresAt: number, now: number = Date.now()): number {
  return Math.min(MAX_TIMER_MS, Math.max(MIN_RENEW_DELAY_MS, expiresAt - now - RENEW_BEFORE_MS));
}

/** The Sendbird default API host for an app, so a custom one can be told apart. */
export function defaultApiHost(appId: string): string {
  return `https://api-${appId.toLowerCase()}.sendbird.com`;
}

export function isDefaultApiHost(appId: string, apiHost: string): boolean {
  return apiHost.replace(/\/+$/, '').toLowerCase() === defaultApiHost(appId);
}
