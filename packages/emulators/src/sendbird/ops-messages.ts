/** Messages (https://sendbird.com/docs/chat/v3/platform-api/message/messaging-basics/send-a-message). */
import { ApiError, alreadyExists, invalidValue, missing, notFound } from './errors.js';
import { getChannel } from './ops-channels.js';
import { getUser } from './ops-users.js';
import type { ChannelRec, MessageRec, Store } from './store.js';
import { type Body, maxLength, optBool, optNumber, optString, optStringList, type Query, qBool, qInt, qList } from './validate.js';

const TYPES = ['MESG', 'FILE', 'ADMM'] as const;
type MessageType = (typeof TYPES)[number];

export const channelFrozen = (): ApiError => new ApiError(900050, 'Channel is frozen.');

export function getMessage(c: ChannelRec, messageId: number): MessageRec {
  const m = c.messages.find((x) => x.message_id === messageId);
  if (!m) throw notFound('Message');
  return m;
}

export interface SendContext {
  sdk: 'API' | 'JavaScript';
  senderIp: string;
  /** Thumbnail sizes of an uploaded image (multipart sends only; served from the file's URL). */
  thumbnails?: { width: number; height: number }[];
}

export function sendMessage(store: Store, url: string, body: Body, ctx: SendContext): { channel: ChannelRec; message: MessageRec } {
  const c = getChannel(store, url);
  const type = optString(body, 'message_type');
  if (type === undefined) throw missing('message_type');
  if (!(TYPES as readonly string[]).includes(type)) throw invalidValue('message_type', 'Use MESG, FILE or ADMM.');
  const messageType = type as MessageType;
  const customType = optString(body, 'custom_type') ?? '';
  const data = optString(body, 'data') ?? '';
  const dedupId = optString(body, 'dedup_id');
  const silent = optBool(body, 'is_silent') ?? false;
  const markAsRead = optBool(body, 'mark_as_read') ?? true;
  const mentionType = optString(body, 'mention_type') ?? 'users';
  const mentioned = optStringList(body, 'mentioned_user_ids') ?? [];
  maxLength('custom_type', customType, 128);
  let userId: string | undefined;
  let text = '';
  let file: MessageRec['file'];
  if (messageType === 'ADMM') {
    text = optString(body, 'message') ?? '';
    if (text === '' && body.message === undefined) throw missing('message');
  } else {
    userId = optString(body, 'user_id');
    if (userId === undefined) throw missing('user_id');
    getUser(store, userId);
    if (c.members.get(userId)?.state !== 'joined') {
      throw new ApiError(400108, 'Not authorized. The sender must be a member of the channel.');
    }
    if (c.freeze && !c.operators.has(userId)) throw channelFrozen();
    if (messageType === 'MESG') {
      if (body.message === undefined) throw missing('message');
      text = optString(body, 'message') ?? '';
    } else {
      const fileUrl = optString(body, 'url');
      if (fileUrl === undefined) throw missing('url');
      file = {
        url: fileUrl,
        name: optString(body, 'file_name') ?? fileUrl.split('/').pop() ?? 'file',
        type: optString(body, 'file_type') ?? '',
        size: optNumber(body, 'file_size') ?? 0,
        require_auth: optBool(body, 'require_auth') ?? false,
        thumbnails: (ctx.thumbnails ?? []).map((t) => ({ ...t, url: fileUrl })),
      };
    }
  }
  maxLength('message', text, 5000);
  if (dedupId !== undefined && c.messages.some((m) => m.dedup_id === dedupId)) throw alreadyExists('dedup_id');
  for (const id of mentioned) getUser(store, id);
  const ts = store.tick();
  const message: MessageRec = {
    message_id: store.newMessageId(),
    type: messageType,
    message: text,
    custom_type: customType,
    data,
    created_at: ts,
    updated_at: 0,
    user_id: userId,
    mention_type: mentionType,
    mentioned_user_ids: mentioned,
    silent,
    file,
    dedup_id: dedupId,
    sdk: ctx.sdk,
  };
  c.messages.push(message);
  const sender = userId === undefined ? undefined : c.members.get(userId);
  if (sender && markAsRead) sender.read_ts = ts;
  store.emit({ type: 'message_sent', channel: c, message, senderIp: ctx.senderIp });
  return { channel: c, message };
}

export function updateMessage(store: Store, url: string, messageId: number, body: Body): { channel: ChannelRec; message: MessageRec } {
  const c = getChannel(store, url);
  const m = getMessage(c, messageId);
  const text = optString(body, 'message');
  const customType = optString(body, 'custom_type');
  const data = optString(body, 'data');
  const type = optString(body, 'message_type');
  if (type !== undefined && type !== m.type) throw invalidValue('message_type', 'The type of a message cannot change.');
  maxLength('message', text, 5000);
  if (text !== undefined) m.message = text;
  if (customType !== undefined) m.custom_type = customType;
  if (data !== undefined) m.data = data;
  m.updated_at = Math.max(store.now(), m.created_at + 1);
  store.emit({ type: 'message_updated', channel: c, message: m });
  return { channel: c, message: m };
}

export function deleteMessage(store: Store, url: string, messageId: number): void {
  const c = getChannel(store, url);
  const m = getMessage(c, messageId);
  c.messages = c.messages.filter((x) => x !== m);
  store.emit({ type: 'message_deleted', channel: c, message: m, at: store.now() });
}

/**
 * `include_reply_type` values (list threaded replies of a parent message, Platform API v3):
 * NONE (the default) leaves replies out, ALL lists them in order, ONLY_REPLY_TO_CHANNEL lists
 * the replies that were also sent to the channel. The emulator has no threads, so every value
 * lists the same messages; an unknown one is refused as Sendbird refuses a bad enum (400111).
 */
export const REPLY_TYPES = ['NONE', 'ALL', 'ONLY_REPLY_TO_CHANNEL'] as const;

/**
 * `message_ts` or `message_id` is required; `prev_limit`/`next_limit` (default 15, max 200) pick
 * messages before and after it, `include` (default true) keeps the anchor itself.
 */
export function listMessages(store: Store, url: string, q: Query): MessageRec[] {
  const c = getChannel(store, url);
  const hasTs = q.message_ts !== undefined && q.message_ts !== '';
  const hasId = q.message_id !== undefined && q.message_id !== '';
  if (!hasTs && !hasId) throw new ApiError(400105, '"message_ts" or "message_id" is required.');
  const anchor = hasTs ? qInt(q, 'message_ts', 0, 0, Number.MAX_SAFE_INTEGER) : qInt(q, 'message_id', 0, 0, Number.MAX_SAFE_INTEGER);
  const key = (m: MessageRec): number => (hasTs ? m.created_at : m.message_id);
  const prevLimit = qInt(q, 'prev_limit', 15, 0, 200);
  const nextLimit = qInt(q, 'next_limit', 15, 0, 200);
  const include = qBool(q, 'include', true);
  const reverse = qBool(q, 'reverse', false);
  const messageType = q.message_type;
  if (messageType !== undefined && messageType !== '' && !(TYPES as readonly string[]).includes(messageType)) {
    throw invalidValue('message_type');
  }
  const replyType = q.include_reply_type;
  if (replyType !== undefined && replyType !== '' && !(REPLY_TYPES as readonly string[]).includes(replyType)) {
    throw invalidValue('include_reply_type', `Use ${REPLY_TYPES.join(', ')}.`);
  }
  const customTypes = qList(q, 'custom_types');
  const senderIds = qList(q, 'sender_ids');
  const pool = c.messages.filter(
    (m) =>
      (!messageType || m.type === messageType) &&
      (!customTypes || customTypes.includes('*') || customTypes.includes(m.custom_type)) &&
      (!senderIds || (m.user_id !== undefined && senderIds.includes(m.user_id))),
  );
  const prev = pool.filter((m) => key(m) < anchor || (include && key(m) === anchor));
  const next = pool.filter((m) => key(m) > anchor);
  const out = [...(prevLimit > 0 ? prev.slice(-prevLimit) : []), ...next.slice(0, nextLimit)];
  return reverse ? out.reverse() : out;
}

/** Mark everything in the channel read for one member (sandbox feed and mark_as_read). */
export function markAsRead(store: Store, c: ChannelRec, userId: string): void {
  const m = c.members.get(userId);
  if (!m) throw new ApiError(400108, 'Not authorized. The user is not a member of the channel.');
  m.read_ts = Math.max(store.tick(), m.read_ts);
  store.emit({ type: 'read', channel: c, userId, at: m.read_ts });
}
