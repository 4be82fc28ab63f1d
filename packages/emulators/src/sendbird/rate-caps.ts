/**
 * Optional emulation of the per-endpoint caps Sendbird applies on every plan (about 5 requests a
 * second for channel creation, invitations, message sends, user updates and mark-as-read;
 * https://sendbird.com/docs/chat/v3/platform-api/application/understanding-rate-limits/rate-limits).
 * Off by default. A sliding one-second window per endpoint; over the cap -> 429 / 500910
 * (rate-limits.ts applies it together with the plan-based limits).
 */
import { DEFAULTS, type RateCapOptions } from './options.js';
import type { RateLimit, Verdict } from './rate-limits.js';
import { SlidingWindows } from './sliding-window.js';

export const CAPPED_ENDPOINTS: ReadonlySet<string> = new Set([
  'POST /v3/group_channels',
  'POST /v3/group_channels/:channel_url/invite',
  'POST /v3/group_channels/:channel_url/messages',
  'PUT /v3/users/:user_id',
  'PUT /v3/group_channels/:channel_url/messages/mark_as_read',
]);

export class RateCaps implements RateLimit {
  private enabled: boolean;
  private perSecond: number;
  private readonly windows = new SlidingWindows();
  rejected = 0;

  constructor(opts: RateCapOptions = {}) {
    this.enabled = false;
    this.perSecond = DEFAULTS.rateCapPerSecond;
    this.set(opts);
  }

  set(opts: RateCapOptions): void {
    if (opts.perSecond !== undefined && !(Number.isInteger(opts.perSecond) && opts.perSecond > 0)) {
      throw new Error('rateCaps.perSecond must be a positive integer');
    }
    this.enabled = opts.enabled ?? this.enabled;
    this.perSecond = opts.perSecond ?? this.perSecond;
    this.windows.clear();
  }

  get(): Required<RateCapOptions> & { rejected: number } {
    return { enabled: this.enabled, perSecond: this.perSecond, rejected: this.rejected };
  }

  verdict(method: string, route: string, now: number): Verdict | undefined {
    const key = `${method} ${route}`;
    if (!this.enabled || !CAPPED_ENDPOINTS.has(key)) return undefined;
    return {
      limit: this.perSecond,
      scope: 'endpoint',
      retryAfterMs: this.windows.retryAfterMs(key, this.perSecond, now),
      admit: () => this.windows.add(key, now),
      refuse: () => {
        this.rejected += 1;
      },
    };
  }
}
