/**
 * Webhook payloads, shaped as the examples on https://sendbird.com/docs/chat/v3/platform-api/webhook/events/group-channel
 * (category, channel{...}, app_id, and members[] only with "include member information").
 * Built synchronously when the event happens, so a payload shows the state of that moment.
 */
import { userRef } from './shapes.js';
import type { ChannelRec, EmulatorEvent, MemberRec, MessageRec, Store } from './store.js';

export interface BuiltPayload {
  category: string;
  channelUrl: string;
  payload: Record<string, unknown>;
}

function webhookChannel(c: ChannelRec): Record<string, unknown> {
  return {
    name: c.name,
    channel_url: c.channel_url,
    custom_type: c.custom_type,
    is_distinct: c.is_distinct,
    is_public: c.is_public,
    is_super: c.is_super,
    is_ephemeral: c.is_ephemeral,
    is_discoverable: c.is_public,
    data: c.data,
  };
}

function webhookMember(store: Store, c: ChannelRec, m: MemberRec, sender?: string): Record<string, unknown> {
  const u = store.users.get(m.user_id);
  const unread = store.unreadCount(c, m.user_id);
  return {
    user_id: m.user_id,
    nickname: u?.nickname ?? '',
    profile_url: u?.profile_url ?? '',
    is_active: u?.is_active ?? true,
    is_online: false,
    is_hidden: 0,
    state: m.state,
    ...(sender !== undefined ? { is_blocking_sender: false, is_blocked_by_sender: false } : {}),
    unread_message_count: store.totalUnread(m.user_id),
    total_unread_message_count: store.totalUnread(m.user_id),
    channel_unread_message_count: unread,
    channel_mention_count: 0,
    push_enabled: false,
    push_trigger_option: 'default',
    do_not_disturb: false,
    metadata: { ...(u?.metadata ?? {}) },
  };
}

function messagePayload(m: MessageRec): Record<string, unknown> {
  const base: Record<string, unknown> = {
    message_id: m.message_id,
    custom_type: m.custom_type,
    message: m.message,
    translations: {},
    created_at: m.created_at,
    data: m.data,
  };
  if (m.type === 'FILE' && m.file) {
    // The docs show no FILE example: the file's fields take the place of `message`, under the
    // names of the message resource's flat form (docs/emulator-sendbird.md, real-app check 6).
    delete base.message;
    base.url = m.file.url;
    base.filename = m.file.name;
    base.file_type = m.file.type;
    base.file_size = m.file.size;
    base.require_auth = m.file.require_auth ?? false;
    base.thumbnails = (m.file.thumbnails ?? []).map((t) => ({ url: t.url, width: t.width, height: t.height }));
  }
  return base;
}

function messageEnvelope(store: Store, event: { channel: ChannelRec; message: MessageRec }, category: string): Record<string, unknown> {
  const m = event.message;
  return {
    category,
    type: m.type,
    custom_type: m.custom_type,
    ...(m.user_id !== undefined ? { sender: userRef(store, m.user_id) } : {}),
    channel: webhookChannel(event.channel),
    sdk: m.sdk,
    app_id: store.appId,
  };
}

/** Builds the payload for an event, or undefined for events that have no webhook. */
export function buildPayload(store: Store, event: EmulatorEvent, includeMembers: boolean): BuiltPayload | undefined {
  const c = event.channel;
  const members = (sender?: string): Record<string, unknown> =>
    includeMembers && !c.is_super ? { members: [...c.members.values()].map((m) => webhookMember(store, c, m, sender)) } : {};
  const refs = (ids: string[]): Record<string, unknown>[] => ids.map((id) => userRef(store, id));
  const wrap = (category: string, payload: Record<string, unknown>): BuiltPayload => ({
    category,
    channelUrl: c.channel_url,
    payload: { category, ...payload, channel: webhookChannel(c), app_id: store.appId },
  });
  switch (event.type) {
    case 'channel_created':
      return wrap('group_channel:create', {
        created_at: event.at,
        ...members(),
        inviter: event.inviterId ? userRef(store, event.inviterId) : {},
      });
    case 'members_invited':
      return wrap('group_channel:invite', {
        invited_at: event.at,
        inviter: event.inviterId ? userRef(store, event.inviterId) : {},
        invitees: refs(event.userIds),
        ...members(),
      });
    case 'members_joined':
      return wrap('group_channel:join', { joined_at: event.at, users: refs(event.userIds), ...members() });
    case 'members_left':
      return wrap('group_channel:leave', { users: refs(event.userIds), ...members() });
    case 'channel_deleted':
      return wrap('group_channel:remove', { remove_at: event.at });
    case 'channel_frozen':
      return wrap('group_channel:freeze_unfreeze', { freeze: event.freeze });
    case 'message_sent': {
      const m = event.message;
      const body = {
        ...messageEnvelope(store, event, 'group_channel:message_send'),
        mention_type: m.mention_type,
        mentioned_users: refs(m.mentioned_user_ids),
        silent: m.silent,
        sender_ip_addr: event.senderIp,
        ...members(m.user_id),
        payload: messagePayload(m),
      };
      return { category: 'group_channel:message_send', channelUrl: c.channel_url, payload: body };
    }
    case 'message_updated':
      return {
        category: 'group_channel:message_update',
        channelUrl: c.channel_url,
        payload: {
          ...messageEnvelope(store, event, 'group_channel:message_update'),
          ...members(),
          payload: { ...messagePayload(event.message), updated_at: event.message.updated_at },
        },
      };
    case 'message_deleted':
      return {
        category: 'group_channel:message_delete',
        channelUrl: c.channel_url,
        payload: {
          ...messageEnvelope(store, event, 'group_channel:message_delete'),
          ...members(),
          payload: {
            message_id: event.message.message_id,
            custom_type: event.message.custom_type,
            created_at: event.message.created_at,
            deleted_at: event.at,
          },
        },
      };
    default:
      return undefined;
  }
}
