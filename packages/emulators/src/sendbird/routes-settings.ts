/**
 * The application's webhook settings, as the Platform API serves them: `GET` and `PUT
 * /v3/applications/settings/webhook` ("Retrieve a list of subscribed events", "Choose which
 * events to subscribe to"; https://sendbird.com/docs/chat/platform-api/v3/webhook/webhook-overview).
 * Both answer `{webhook: {enabled, url, include_members, enabled_events, include_unread_count}}`;
 * the GET adds `all_webhook_categories` when asked with `display_all_webhook_categories=true`. A
 * PUT changes only the fields it carries. `enabled_events: ["*"]` is every category, as the
 * emulator's own setting has it. The admin API's `/__admin/webhooks` sets the same configuration
 * together with the emulator's delivery settings (tries, timeout, faults).
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';
import { asBody, optBool, optString, optStringList } from './validate.js';
import type { ResolvedWebhookConfig, WebhookDispatcher } from './webhooks.js';

/** The categories the emulator delivers (webhook-payloads.ts). */
export const WEBHOOK_CATEGORIES = [
  'group_channel:create',
  'group_channel:invite',
  'group_channel:join',
  'group_channel:leave',
  'group_channel:remove',
  'group_channel:freeze_unfreeze',
  'group_channel:message_send',
  'group_channel:message_update',
  'group_channel:message_delete',
] as const;

function webhookJson(c: ResolvedWebhookConfig): Record<string, unknown> {
  return {
    enabled: c.enabled && c.url !== undefined,
    url: c.url ?? '',
    include_members: c.includeMembers,
    enabled_events: [...c.enabledEvents],
    include_unread_count: false,
  };
}

export function registerSettingsRoutes(app: FastifyInstance, webhooks: WebhookDispatcher): void {
  app.get<{ Querystring: { display_all_webhook_categories?: string } }>('/v3/applications/settings/webhook', async (req) => {
    const all = req.query.display_all_webhook_categories === 'true';
    return { webhook: { ...webhookJson(webhooks.config()), ...(all ? { all_webhook_categories: [...WEBHOOK_CATEGORIES] } : {}) } };
  });
  app.put('/v3/applications/settings/webhook', async (req) => {
    const body = asBody(req.body);
    const url = optString(body, 'url');
    if (url !== undefined && url !== '') {
      try {
        new URL(url);
      } catch {
        throw new ApiError(400111, '"url" should be an absolute URL.');
      }
    }
    const changes = {
      url: url === '' ? null : url,
      enabled: optBool(body, 'enabled'),
      enabledEvents: optStringList(body, 'enabled_events'),
      includeMembers: optBool(body, 'include_members'),
    };
    // An empty url clears it: no deliveries until one is set again.
    return { webhook: webhookJson(webhooks.update(changes)) };
  });
}
