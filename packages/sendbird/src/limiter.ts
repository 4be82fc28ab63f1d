/**
 * Client-side limiter for the endpoints Sendbird caps at about 5 requests per second on EVERY plan:
 * group channel creation, invitations, message sends, user updates and mark-as-read ("Rate-limited
 * APIs", https://sendbird.com/docs/chat/v3/platform-api/application/understanding-rate-limits/rate-limits).
 * Pacing these calls here costs a few hundred ms in a burst, where hitting the cap costs a 429 and
 * a retry. The client paces them with one scheduler per endpoint, since the cap is per endpoint
 * (scheduler.ts: the same pacing, with the slots handed out by priority).
 */

export const DEFAULT_CAPPED_PER_SECOND = 5;

/** `METHOD route` of the capped endpoints, with the route written as in the client. */
export const CAPPED_ROUTES: ReadonlySet<string> = new Set([
  'POST /v3/group_channels',
  'POST /v3/group_channels/{channel_url}/invite',
  'POST /v3/group_channels/{channel_url}/messages',
  'PUT /v3/users/{user_id}',
  'PUT /v3/group_channels/{channel_url}/messages/mark_as_read',
]);

/**
 * A token bucket written as GCRA (virtual scheduling): `perSecond` calls may go at once, then one
 * every 1000/perSecond ms. `reserve()` books a slot synchronously, so concurrent callers queue in
 * call order, and returns how long the caller must wait. The clock is injected for tests.
 */
export class TokenBucket {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private theoreticalArrival = 0;

  constructor(
    perSecond: number,
    private readonly now: () => number,
  ) {
    this.intervalMs = 1000 / perSecond;
    this.toleranceMs = (Math.max(1, Math.floor(perSecond)) - 1) * this.intervalMs;
  }

  /** Books the next slot; returns the wait in ms (0 when a token is free now). */
  reserve(): number {
    const now = this.now();
    const tat = Math.max(this.theoreticalArrival, now);
    const waitMs = Math.max(0, tat - this.toleranceMs - now);
    this.theoreticalArrival = tat + this.intervalMs;
    return Math.ceil(waitMs);
  }
}

/**
 * The slots of the capped endpoints kept where several processes see them (the bridge's store),
 * so that processes calling one Sendbird application together stay within its cap: each books
 * its slots there, one at a time, instead of pacing itself alone (scheduler.ts).
 */
export interface SharedSlots {
  /**
   * Books the next slot of `endpoint`: at `notBefore` or, if a slot was booked later than
   * `intervalMs` before that (by any process), `intervalMs` after it. Resolves with the slot's
   * time (epoch ms). Rejects when it cannot book (the process then paces itself alone).
   */
  book(endpoint: string, notBefore: number, intervalMs: number): Promise<number>;
  /** After a 429: no slot of `endpoint` before `untilMs`, for every process. */
  pause(endpoint: string, untilMs: number): Promise<void>;
}

export interface LimiterOptions {
  /** Calls per second to each capped endpoint (default 5). */
  perSecond?: number;
  /** Default true; false sends every call at once. */
  enabled?: boolean;
  /** Where the slots are booked when several processes share the cap; default: this process alone. */
  shared?: SharedSlots;
}
