/**
 * What a Sendbird webhook means for the transcript: a pure function from the parsed body to
 * either a `TranscriptEvent` (news about a message of a support channel) or the reason it is
 * ignored. Shapes: https://sendbird.com/docs/chat/platform-api/v3/webhook/events/group-channel
 * (category, type, sender, channel, payload{message_id, message, created_at, ...}).
 *
 * Mirrored: `group_channel:message_send`, `:message_update`, `:message_delete` of MESG and FILE
 * messages in channels whose `custom_type` is `sf_case` and whose URL is a Case Id, and the
 * bridge's own notices (admin messages with custom_type `sbsf_bridge`: an agent joined, took
 * over, left; the Case closed) as system entries (`senderRole: 'System'`). Never mirrored: the
 * ticket-form notice (it is the Case's own Subject and Description), other admin messages, and
 * user messages the bridge sent. Anything else is acknowledged and ignored, so enabling more
 * categories in the Dashboard never makes Sendbird retry.
 */
import { isSalesforceId, isUserId, to18 } from '@sbsf/salesforce';
import { BRIDGE_MESSAGE_CUSTOM_TYPE, parseNotice, SUPPORT_CHANNEL_CUSTOM_TYPE } from '@sbsf/wire';
import type { TranscriptEvent, TranscriptMessage } from '../store/types.js';

export const MESSAGE_CATEGORIES = {
  send: 'group_channel:message_send',
  update: 'group_channel:message_update',
  delete: 'group_channel:message_delete',
} as const;

export type IgnoreReason =
  'category' | 'not_support_channel' | 'not_a_case' | 'admin_message' | 'bridge_message' | 'message_type' | 'malformed';

export type WebhookMeaning = { kind: 'message'; event: TranscriptEvent } | { kind: 'ignored'; reason: IgnoreReason };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const firstStr = (...vs: unknown[]): string | null => {
  for (const v of vs) if (typeof v === 'string' && v !== '') return v;
  return null;
};

/** The Case a support channel belongs to: its URL, when that is an 18-character Case Id. */
export function caseIdOfChannel(url: string): string | null {
  return url.length === 18 && url.startsWith('500') && isSalesforceId(url) ? url : null;
}

/**
 * `payload.message_id` as a decimal string. Sendbird's ids are 64-bit integers; JSON.parse keeps
 * them exact up to 2^53, and beyond that the digits are read from the raw body instead.
 */
export function messageIdOf(payload: Obj, rawBody: Buffer | string): string | null {
  const id = payload.message_id;
  if (typeof id === 'string' && /^\d+$/.test(id)) return id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return null;
  if (Number.isSafeInteger(id)) return String(id);
  const m = /"message_id"\s*:\s*(\d+)/.exec(rawBody.toString());
  return m?.[1] ?? null;
}

/** Sendbird user ids that are Salesforce User Ids are agents (the bridge makes them so); anyone else is the customer. */
export function senderOf(sender: unknown): Pick<TranscriptMessage, 'senderId' | 'senderName' | 'senderRole'> | null {
  if (!isObj(sender)) return null;
  const userId = str(sender.user_id);
  if (!userId) return null;
  const name = firstStr(sender.nickname) ?? userId;
  return isUserId(userId)
    ? { senderId: to18(userId), senderName: name, senderRole: 'Agent' }
    : { senderId: userId, senderName: name, senderRole: 'Customer' };
}

/** The sender of a system entry: the bridge's notices have none. */
export const SYSTEM_SENDER: Pick<TranscriptMessage, 'senderId' | 'senderName' | 'senderRole'> = {
  senderId: '',
  senderName: 'System',
  senderRole: 'System',
};

/**
 * Whether an admin message is a notice of the bridge that the transcript keeps as a system entry
 * (everything but the ticket form, which the Case already holds).
 */
export function isTranscriptNotice(customType: unknown, data: unknown): boolean {
  const n = parseNotice({ type: 'ADMM', custom_type: str(customType) ?? '', data: str(data) ?? '' });
  return n !== null && n.sbsf !== 'ticket.form';
}

/**
 * The file of a FILE message. The docs show no FILE webhook example, so both the flat fields
 * (`url`, `filename`, `file_type`) and a `file` object like the message resource's
 * (`url`, `name`, `type`) are read (check on a real app: docs/bridge.md).
 */
export function fileOf(payload: Obj): TranscriptMessage['file'] {
  const f = isObj(payload.file) ? payload.file : {};
  const url = firstStr(f.url, payload.url);
  if (!url) return null;
  const size = [f.size, f.file_size, payload.file_size, payload.size].find((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0);
  return {
    url,
    name: firstStr(f.name, f.file_name, payload.filename, payload.file_name, payload.name),
    type: firstStr(f.type, f.file_type, payload.file_type, payload.mime_type),
    size: typeof size === 'number' ? size : null,
  };
}

export function interpretWebhook(body: unknown, rawBody: Buffer | string): WebhookMeaning {
  const ignored = (reason: IgnoreReason): WebhookMeaning => ({ kind: 'ignored', reason });
  if (!isObj(body)) return ignored('malformed');
  const category = str(body.category);
  const kind =
    category === MESSAGE_CATEGORIES.send
      ? 'send'
      : category === MESSAGE_CATEGORIES.update
        ? 'update'
        : category === MESSAGE_CATEGORIES.delete
          ? 'delete'
          : null;
  if (!kind) return ignored('category');
  const channel = isObj(body.channel) ? body.channel : null;
  if (!channel || channel.custom_type !== SUPPORT_CHANNEL_CUSTOM_TYPE) return ignored('not_support_channel');
  const channelUrl = str(channel.channel_url) ?? '';
  const caseId = caseIdOfChannel(channelUrl);
  if (!caseId) return ignored('not_a_case');
  const type = body.type;
  const payload = isObj(body.payload) ? body.payload : null;
  const notice = type === 'ADMM' && isTranscriptNotice(payload?.custom_type ?? body.custom_type, payload?.data);
  if (type === 'ADMM' && !notice) return ignored('admin_message');
  if (!notice && (payload?.custom_type === BRIDGE_MESSAGE_CUSTOM_TYPE || body.custom_type === BRIDGE_MESSAGE_CUSTOM_TYPE)) {
    return ignored('bridge_message');
  }
  // A delete may come without a type; a send or an edit says what it is.
  if (type !== 'MESG' && type !== 'FILE' && !notice && !(kind === 'delete' && type === undefined)) return ignored('message_type');
  if (!payload) return ignored('malformed');
  const messageId = messageIdOf(payload, rawBody);
  if (!messageId) return ignored('malformed');
  const base = { messageId, caseId, channelUrl };
  if (kind === 'delete') return { kind: 'message', event: { ...base, version: -1, message: null, deleted: true } };

  const sender = notice ? SYSTEM_SENDER : senderOf(body.sender);
  const sentAt = num(payload.created_at);
  if (!sender || sentAt === undefined) return ignored('malformed');
  // An edit's text is ordered by its updated_at; without one, it still beats the text as sent.
  const updatedAt = num(payload.updated_at);
  const editedAt = kind === 'update' ? (updatedAt !== undefined && updatedAt > 0 ? updatedAt : sentAt + 1) : null;
  const message: TranscriptMessage = {
    type: notice ? 'ADMM' : type === 'FILE' ? 'FILE' : 'MESG',
    body: str(payload.message) ?? '',
    ...sender,
    sentAt,
    editedAt,
    file: type === 'FILE' ? fileOf(payload) : null,
  };
  return { kind: 'message', event: { ...base, version: editedAt ?? 0, message, deleted: false } };
}
