/**
 * Webhook deliveries as Sendbird makes them (https://sendbird.com/docs/chat/v3/platform-api/webhook/webhook-overview):
 * POST JSON with `user-agent: SendBird`, `content-type: application/json` and `x-sendbird-signature`
 * (HMAC-SHA256 of the exact bytes sent, keyed by the master API token); wait 5 s for an answer and
 * send the same POST up to 3 times until a 200 arrives (or, with `retryOn: 'no_response'`, until
 * any answer arrives). Sendbird does not publish the spacing of its tries: `retryDelayMs`. A
 * `dropRate` loses tries on the way (fault injection: 1 is a webhook outage). Deliveries run in
 * the background and never hold up the API answer; events of one channel are delivered in order.
 */
import { signWebhook } from '@sbsf/sendbird';
import { DEFAULTS, type WebhookConfig } from './options.js';
import type { Store } from './store.js';
import { buildPayload } from './webhook-payloads.js';
import { Sleeps } from '../common/sleeps.js';

export interface DeliveryAttempt {
  at: number;
  /** HTTP status of the answer, when one came. */
  status?: number;
  /** Why no answer came (timeout, connection refused, ...). */
  error?: string;
  durationMs: number;
}

export interface Delivery {
  id: number;
  category: string;
  channel_url: string;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  payload: unknown;
}

export interface ResolvedWebhookConfig {
  url?: string;
  enabled: boolean;
  enabledEvents: string[];
  includeMembers: boolean;
  maxAttempts: number;
  timeoutMs: number;
  retryDelayMs: number;
  retryOn: 'not_200' | 'no_response';
  dropRate: number;
  /** Whether deliveries are signed with a token other than the emulator's master token. */
  customSigningToken: boolean;
}

const LOG_LIMIT = 1000;

export class WebhookDispatcher {
  private cfg: Required<Omit<WebhookConfig, 'url'>> & { url?: string };
  private log: Delivery[] = [];
  private seq = 0;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly controllers = new Set<AbortController>();
  private readonly sleeps = new Sleeps();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly masterApiToken: string,
    config: WebhookConfig = {},
  ) {
    this.cfg = this.resolve(config);
    store.on((event) => {
      if (!this.cfg.url || !this.cfg.enabled || this.closed) return;
      const built = buildPayload(store, event, this.cfg.includeMembers);
      if (!built || !this.enabled(built.category)) return;
      this.enqueue(built.category, built.channelUrl, built.payload);
    });
  }

  private resolve(c: WebhookConfig): Required<Omit<WebhookConfig, 'url'>> & { url?: string } {
    if (c.url !== undefined) {
      try {
        new URL(c.url);
      } catch {
        throw new Error(`webhook.url must be an absolute URL (got ${JSON.stringify(c.url)})`);
      }
    }
    if (c.enabled !== undefined && typeof c.enabled !== 'boolean') throw new Error('webhook.enabled must be true or false');
    if (c.enabledEvents !== undefined && (!Array.isArray(c.enabledEvents) || c.enabledEvents.some((e) => typeof e !== 'string'))) {
      throw new Error('webhook.enabledEvents must be a list of categories such as "group_channel:message_send", or ["*"]');
    }
    for (const [k, v] of [
      ['maxAttempts', c.maxAttempts],
      ['timeoutMs', c.timeoutMs],
      ['retryDelayMs', c.retryDelayMs],
    ] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v >= (k === 'retryDelayMs' ? 0 : 1))) {
        throw new Error(`webhook.${k} must be a ${k === 'retryDelayMs' ? 'non-negative' : 'positive'} integer`);
      }
    }
    if (c.retryOn !== undefined && c.retryOn !== 'not_200' && c.retryOn !== 'no_response') {
      throw new Error('webhook.retryOn must be "not_200" or "no_response"');
    }
    if (c.dropRate !== undefined && !(typeof c.dropRate === 'number' && c.dropRate >= 0 && c.dropRate <= 1)) {
      throw new Error('webhook.dropRate must be a number from 0 to 1 (the share of tries lost; 1 = every webhook lost)');
    }
    return {
      url: c.url,
      enabled: c.enabled ?? true,
      enabledEvents: c.enabledEvents ?? ['*'],
      includeMembers: c.includeMembers ?? false,
      masterApiToken: c.masterApiToken ?? this.masterApiToken,
      maxAttempts: c.maxAttempts ?? DEFAULTS.webhookMaxAttempts,
      timeoutMs: c.timeoutMs ?? DEFAULTS.webhookTimeoutMs,
      retryDelayMs: c.retryDelayMs ?? DEFAULTS.webhookRetryDelayMs,
      retryOn: c.retryOn ?? 'not_200',
      dropRate: c.dropRate ?? 0,
    };
  }

  /** Replaces the configuration (fields left out take their defaults). */
  configure(config: WebhookConfig): ResolvedWebhookConfig {
    this.cfg = this.resolve(config);
    return this.config();
  }

  /**
   * Changes only the given settings, as Sendbird's `PUT /v3/applications/settings/webhook` does
   * (routes-settings.ts); the emulator's own delivery settings stay.
   */
  update(changes: Pick<WebhookConfig, 'enabled' | 'enabledEvents' | 'includeMembers'> & { url?: string | null }): ResolvedWebhookConfig {
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const next: WebhookConfig = { ...this.cfg, ...defined, url: changes.url === null ? undefined : (changes.url ?? this.cfg.url) };
    this.cfg = this.resolve(next);
    return this.config();
  }

  config(): ResolvedWebhookConfig {
    const { masterApiToken, ...rest } = this.cfg;
    return { ...rest, customSigningToken: masterApiToken !== this.masterApiToken };
  }

  private enabled(category: string): boolean {
    return this.cfg.enabledEvents.includes('*') || this.cfg.enabledEvents.includes(category);
  }

  deliveries(): Delivery[] {
    return this.log.map((d) => ({ ...d, attempts: d.attempts.map((a) => ({ ...a })) }));
  }

  clearLog(): void {
    this.log = [];
  }

  /** Resolves when every queued delivery has finished (delivered or given up). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private enqueue(category: string, channelUrl: string, payload: Record<string, unknown>): void {
    const cfg = this.cfg;
    const body = JSON.stringify(payload);
    const delivery: Delivery = {
      id: ++this.seq,
      category,
      channel_url: channelUrl,
      url: cfg.url ?? '',
      status: 'pending',
      attempts: [],
      payload,
    };
    this.log.push(delivery);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    const signature = signWebhook(body, cfg.masterApiToken);
    const prev = this.chains.get(channelUrl) ?? Promise.resolve();
    const run = prev.then(() => this.deliver(delivery, body, signature, cfg));
    this.chains.set(channelUrl, run);
    this.inFlight.add(run);
    void run.finally(() => {
      this.inFlight.delete(run);
      if (this.chains.get(channelUrl) === run) this.chains.delete(channelUrl);
    });
  }

  private async deliver(d: Delivery, body: string, signature: string, cfg: typeof this.cfg): Promise<void> {
    for (let attempt = 1; attempt <= cfg.maxAttempts && !this.closed; attempt++) {
      if (attempt > 1 && cfg.retryDelayMs > 0) await this.sleeps.sleep(cfg.retryDelayMs);
      if (this.closed) break;
      const started = Date.now();
      if (cfg.dropRate > 0 && Math.random() < cfg.dropRate) {
        d.attempts.push({ at: started, error: 'dropped on the way (injected fault)', durationMs: 0 });
        continue;
      }
      const controller = new AbortController();
      this.controllers.add(controller);
      const timer = setTimeout(() => controller.abort(), cfg.timeoutMs);
      try {
        const res = await fetch(d.url, {
          method: 'POST',
          headers: { 'user-agent': 'SendBird', 'content-type': 'application/json', 'x-sendbird-signature': signature },
          body,
          signal: controller.signal,
        });
        await res.arrayBuffer().catch(() => undefined);
        d.attempts.push({ at: started, status: res.status, durationMs: Date.now() - started });
        if (res.status === 200) {
          d.status = 'delivered';
          return;
        }
        if (cfg.retryOn === 'no_response') break;
      } catch (err) {
        const error = controller.signal.aborted ? `no answer within ${cfg.timeoutMs} ms` : (err as Error).message;
        d.attempts.push({ at: started, error, durationMs: Date.now() - started });
      } finally {
        clearTimeout(timer);
        this.controllers.delete(controller);
      }
    }
    d.status = 'failed';
  }

  /** Stops retries and aborts deliveries under way so the emulator can close promptly. */
  close(): void {
    this.closed = true;
    for (const c of this.controllers) c.abort();
    this.sleeps.wakeAll();
  }
}
