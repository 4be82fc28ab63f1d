/**
 * Helpers for the transcript tests: Sendbird webhook bodies shaped like the documented examples,
 * signed POSTs to the bridge (as Sendbird makes them), and the records the Salesforce emulator holds.
 */
import { signWebhook } from '@sbsf/sendbird';
import type { World } from './world.js';

export interface MessageSpec {
  caseId: string;
  messageId: number;
  category?: 'group_channel:message_send' | 'group_channel:message_update' | 'group_channel:message_delete';
  type?: 'MESG' | 'FILE' | 'ADMM';
  userId?: string;
  nickname?: string;
  text?: string;
  createdAt?: number;
  updatedAt?: number;
  customType?: string;
  /** The message's `data` (a JSON string for the bridge's notices). */
  data?: string;
  channelCustomType?: string;
}

/** A `group_channel:message_*` webhook body, as Sendbird sends it (docs' group channel events). */
export function messageWebhook(m: MessageSpec): Record<string, unknown> {
  const category = m.category ?? 'group_channel:message_send';
  const createdAt = m.createdAt ?? Date.now();
  const payload: Record<string, unknown> =
    category === 'group_channel:message_delete'
      ? { message_id: m.messageId, custom_type: m.customType ?? '', created_at: createdAt, deleted_at: Date.now() }
      : {
          message_id: m.messageId,
          custom_type: m.customType ?? '',
          message: m.text ?? `message ${m.messageId}`,
          translations: {},
          created_at: createdAt,
          data: m.data ?? '',
          ...(category === 'group_channel:message_update' ? { updated_at: m.updatedAt ?? createdAt + 1000 } : {}),
        };
  return {
    category,
    type: m.type ?? 'MESG',
    custom_type: m.customType ?? '',
    mention_type: 'users',
    mentioned_users: [],
    silent: false,
    sender_ip_addr: '127.0.0.1',
    sdk: 'JavaScript',
    app_id: 'emulator',
    ...(m.type === 'ADMM'
      ? {}
      : { sender: { user_id: m.userId ?? 'customer-1', nickname: m.nickname ?? 'Dana', profile_url: '', metadata: {} } }),
    channel: {
      name: 'Case',
      channel_url: m.caseId,
      custom_type: m.channelCustomType ?? 'sf_case',
      is_distinct: false,
      is_public: false,
      is_super: false,
      is_ephemeral: false,
      is_discoverable: false,
      data: '',
    },
    payload,
  };
}

/** POSTs a body to the bridge's webhook route, signed with `token` unless `signature` is given. */
export async function postWebhook(
  base: string,
  body: unknown,
  opts: { token?: string; signature?: string | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const signature = opts.signature === undefined ? signWebhook(raw, opts.token ?? '') : opts.signature;
  const res = await fetch(`${base}/sendbird/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'SendBird',
      ...(signature === null ? {} : { 'x-sendbird-signature': signature }),
      ...opts.headers,
    },
    body: raw,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The Sendbird_Message__c records of a Case (all when `caseId` is omitted). */
export function messageRecords(w: World, caseId?: string) {
  return w.sf.records('Sendbird_Message__c').filter((r) => caseId === undefined || r.Case__c === caseId);
}

/** Salesforce API calls counted by the emulator, by route. */
export function sfCalls(w: World): { total: number; byRoute: Record<string, number> } {
  return w.sf.stats();
}

/** True when nothing is left to write (no pending message, no flush job queued or running). */
export async function transcriptIdle(w: World): Promise<boolean> {
  const counts = await w.bridge.store.countTranscriptMessages();
  const jobs = await w.bridge.store.countJobsByState();
  return counts.pending === 0 && jobs.running === 0;
}
