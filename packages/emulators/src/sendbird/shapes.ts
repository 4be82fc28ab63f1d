/**
 * JSON shapes of the Platform API resources, with the documented field names (user, group channel,
 * member, message). Fields the emulator has no behaviour for carry Sendbird's defaults.
 */
import type { ChannelRec, MemberRec, MessageRec, Store, UserRec } from './store.js';

export function userJson(u: UserRec): Record<string, unknown> {
  return {
    user_id: u.user_id,
    nickname: u.nickname,
    profile_url: u.profile_url,
    require_auth_for_profile_image: false,
    metadata: { ...u.metadata },
    access_token: u.access_token,
    is_online: false,
    is_active: u.is_active,
    last_seen_at: 0,
    has_ever_logged_in: false,
    discovery_keys: [],
    preferred_languages: [],
    session_tokens: [],
    is_shadow_blocked: false,
    is_hide_me_from_friends: false,
    locale: '',
    phone_number: '',
    created_at: u.created_at,
  };
}

/** The small user object inside messages and webhook payloads. */
export function userRef(store: Store, userId: string | undefined): Record<string, unknown> {
  const u = userId === undefined ? undefined : store.users.get(userId);
  return {
    user_id: userId ?? '',
    nickname: u?.nickname ?? '',
    profile_url: u?.profile_url ?? '',
    metadata: { ...(u?.metadata ?? {}) },
  };
}

export function memberJson(store: Store, c: ChannelRec, m: MemberRec): Record<string, unknown> {
  const u = store.users.get(m.user_id);
  return {
    user_id: m.user_id,
    nickname: u?.nickname ?? '',
    profile_url: u?.profile_url ?? '',
    require_auth_for_profile_image: false,
    metadata: { ...(u?.metadata ?? {}) },
    state: m.state,
    role: c.operators.has(m.user_id) ? 'operator' : '',
    is_active: u?.is_active ?? true,
    is_online: false,
    last_seen_at: 0,
    is_muted: false,
    read_ts: m.read_ts,
  };
}

export function messageJson(store: Store, c: ChannelRec, m: MessageRec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    message_id: m.message_id,
    type: m.type,
    custom_type: m.custom_type,
    channel_url: c.channel_url,
    channel_type: 'group',
    mention_type: m.mention_type,
    mentioned_users: m.mentioned_user_ids.map((id) => userRef(store, id)),
    is_removed: false,
    message: m.message,
    translations: {},
    data: m.data,
    silent: m.silent,
    is_op_msg: m.user_id !== undefined && c.operators.has(m.user_id),
    message_events: {
      send_push_notification: 'receivers',
      update_unread_count: true,
      update_mention_count: true,
      update_last_message: true,
    },
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
  if (m.user_id !== undefined) out.user = { ...userRef(store, m.user_id), role: c.operators.has(m.user_id) ? 'operator' : '' };
  if (m.type === 'FILE' && m.file) {
    out.file = { url: m.file.url, name: m.file.name, type: m.file.type, size: m.file.size, data: '' };
    out.require_auth = m.file.require_auth ?? false;
    out.thumbnails = (m.file.thumbnails ?? []).map((t) => ({
      url: t.url,
      width: t.width,
      height: t.height,
      real_width: t.width,
      real_height: t.height,
    }));
  }
  return out;
}

export interface ChannelJsonOptions {
  showMember: boolean;
}

export function channelJson(store: Store, c: ChannelRec, opts: ChannelJsonOptions): Record<string, unknown> {
  const members = [...c.members.values()];
  const last = store.lastMessage(c);
  const creator = c.created_by === undefined ? undefined : store.users.get(c.created_by);
  const out: Record<string, unknown> = {
    channel_url: c.channel_url,
    name: c.name,
    cover_url: c.cover_url,
    custom_type: c.custom_type,
    data: c.data,
    created_at: c.created_at,
    created_by: creator
      ? { user_id: creator.user_id, nickname: creator.nickname, profile_url: creator.profile_url, require_auth_for_profile_image: false }
      : null,
    is_distinct: c.is_distinct,
    is_public: c.is_public,
    is_super: c.is_super,
    is_ephemeral: c.is_ephemeral,
    is_broadcast: false,
    is_exclusive: false,
    is_discoverable: c.is_public,
    is_access_code_required: false,
    freeze: c.freeze,
    member_count: members.length,
    joined_member_count: members.filter((m) => m.state === 'joined').length,
    max_length_message: 5000,
    message_survival_seconds: -1,
    disappearing_message: { message_survival_seconds: -1, is_triggered_by_message_read: false },
    unread_message_count: 0,
    unread_mention_count: 0,
    last_message: last ? messageJson(store, c, last) : null,
    operators: [...c.operators].map((id) => userRef(store, id)),
    read_receipt: Object.fromEntries(members.map((m) => [m.user_id, m.read_ts])),
    delivery_receipt: Object.fromEntries(members.map((m) => [m.user_id, m.read_ts])),
    id: c.id,
    ignore_profanity_filter: false,
    has_ai_bot: false,
    has_bot: false,
    sms_fallback: { wait_seconds: -1, exclude_user_ids: [] },
    channel: {
      channel_url: c.channel_url,
      name: c.name,
      cover_url: c.cover_url,
      custom_type: c.custom_type,
      data: c.data,
      created_at: c.created_at,
      member_count: members.length,
      max_length_message: 5000,
    },
  };
  if (opts.showMember) out.members = members.map((m) => memberJson(store, c, m));
  return out;
}
