/**
 * Optional emulation of the per-endpoint caps Sendbird applies on every plan (about 5 requests a
 * second for channel creation, invitations, message sends, user updates and mark-as-read;
 * https://sendbird.com/docs/chat/v3/platform-api/application/understanding-rate-limits/rate-limits).
 * Off by default. A sliding one-second window per endpoint; over the cap -> 429 / 500910.
 */
import type { FastifyInstance } from 'fastify';
import { sendRateLimited } from './errors.js';
import { DEFAULTS, type RateCapOptions } from './options.js';

export const CAPPED_ENDPOINTS: ReadonlySet<string> = new Set([
  'POST /v3/group_channels',
  'POST /v3/group_channels/:channel_url/invite',
  'POST /v3/group_channels/:channel_url/messages',
  'PUT /v3/users/:user_id',
  'PUT /v3/group_channels/:channel_url/messages/mark_as_read',
]);

export class RateCaps {
  private enabled: boolean;
  private perSecond: number;
  private readonly windows = new Map<string, number[]>();
  rejected = 0;

  constructor(
    opts: RateCapOptions = {},
    private readonly now: () => number,
  ) {
    this.enabled = opts.enabled ?? false;
    this.perSecond = opts.perSecond ?? DEFAULTS.rateCapPerSecond;
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

  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (req, reply) => {
      if (!this.enabled) return;
      const key = `${req.method} ${req.routeOptions.url ?? ''}`;
      if (!CAPPED_ENDPOINTS.has(key)) return;
      const now = this.now();
      const recent = (this.windows.get(key) ?? []).filter((t) => t > now - 1000);
      if (recent.length >= this.perSecond) {
        this.rejected += 1;
        this.windows.set(key, recent);
        return sendRateLimited(reply, Math.max(1, (recent[0] ?? now) + 1000 - now), this.perSecond, 'endpoint');
      }
      recent.push(now);
      this.windows.set(key, recent);
    });
  }
}
