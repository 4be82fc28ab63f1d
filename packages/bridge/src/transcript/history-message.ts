/**
 * What a message read from a channel's history (`GET /v3/group_channels/{url}/messages`, the
 * message resource: https://sendbird.com/docs/chat/v3/platform-api/message/messaging-basics/list-messages)
 * means for the transcript: the same rules as a webhook (webhook-payload.ts), so catch-up and
 * webhooks feed the same `TranscriptEvent` into the same dedupe.
 *
 * - The bridge's notices (admin messages with custom_type `sbsf_bridge`, but the ticket form) are
 *   system entries; other admin messages, the bridge's user messages and types other than MESG
 *   and FILE are skipped.
 * - An edited message (`updated_at` later than `created_at`) carries its text at version
 *   `updated_at`, as the `message_update` webhook does; an unedited one is version 0, as sent.
 * - A message listed with `is_removed: true` is a deletion. Whether the list shows removed
 *   messages at all is not documented (docs/decisions.md); a message left out of the list is
 *   found by catch-up instead (catchup.ts, `listedStretch`).
 */
import type { SendbirdMessage } from '@sbsf/sendbird';
import { BRIDGE_MESSAGE_CUSTOM_TYPE } from '@sbsf/wire';
import type { TranscriptEvent, TranscriptMessage } from '../store/types.js';
import { fileOf, isTranscriptNotice, senderOf, SYSTEM_SENDER } from './webhook-payload.js';

export type HistorySkip = 'admin_message' | 'bridge_message' | 'message_type' | 'malformed';

export type HistoryMeaning = { kind: 'message'; event: TranscriptEvent; edited: boolean } | { kind: 'skipped'; reason: HistorySkip };

/** Sendbird's 64-bit `message_id` as a decimal string (exact up to 2^53, as the JSON parser reads it). */
export function historyMessageId(m: Pick<SendbirdMessage, 'message_id'>): string | null {
  const id: unknown = m.message_id;
  if (typeof id === 'string' && /^\d+$/.test(id)) return id;
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? String(id) : null;
}

export function interpretHistoryMessage(m: SendbirdMessage, caseId: string, channelUrl: string): HistoryMeaning {
  const skipped = (reason: HistorySkip): HistoryMeaning => ({ kind: 'skipped', reason });
  const notice = m.type === 'ADMM' && isTranscriptNotice(m.custom_type, m.data);
  if (m.type === 'ADMM' && !notice) return skipped('admin_message');
  if (!notice && m.custom_type === BRIDGE_MESSAGE_CUSTOM_TYPE) return skipped('bridge_message');
  if (m.type !== 'MESG' && m.type !== 'FILE' && !notice) return skipped('message_type');
  const messageId = historyMessageId(m);
  if (!messageId || typeof m.created_at !== 'number') return skipped('malformed');
  const base = { messageId, caseId, channelUrl };
  if (m.is_removed === true) return { kind: 'message', event: { ...base, version: -1, message: null, deleted: true }, edited: false };
  const sender = notice ? SYSTEM_SENDER : senderOf(m.user);
  if (!sender) return skipped('malformed');
  const updatedAt = typeof m.updated_at === 'number' ? m.updated_at : 0;
  const edited = updatedAt > m.created_at;
  const file = m.type === 'FILE' ? fileOf(m as unknown as Record<string, unknown>) : null;
  const message: TranscriptMessage = {
    type: notice ? 'ADMM' : m.type,
    body: typeof m.message === 'string' ? m.message : '',
    ...sender,
    sentAt: m.created_at,
    editedAt: edited ? updatedAt : null,
    file: m.type === 'FILE' ? file : null,
  };
  return { kind: 'message', event: { ...base, version: edited ? updatedAt : 0, message, deleted: false }, edited };
}
