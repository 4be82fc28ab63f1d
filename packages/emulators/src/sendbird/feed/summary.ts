/** The channel summary the sandbox feed shows a given user. */
import { messageJson } from '../shapes.js';
import type { ChannelRec, Store } from '../store.js';
import type { FeedChannelSummary, FeedMessage } from './protocol.js';

/** A Platform API message object is a superset of what the feed promises (`FeedMessage`). */
export function feedMessage(store: Store, c: ChannelRec, m: Parameters<typeof messageJson>[2]): FeedMessage {
  return messageJson(store, c, m) as unknown as FeedMessage;
}

export function channelSummary(store: Store, c: ChannelRec, forUserId: string): FeedChannelSummary {
  const last = store.lastMessage(c);
  const lastUser = c.messages.findLast((m) => m.type !== 'ADMM');
  return {
    channel_url: c.channel_url,
    name: c.name,
    custom_type: c.custom_type,
    data: c.data,
    freeze: c.freeze,
    created_at: c.created_at,
    member_count: c.members.size,
    members: [...c.members.values()].map((m) => {
      const u = store.users.get(m.user_id);
      return { user_id: m.user_id, nickname: u?.nickname ?? '', profile_url: u?.profile_url ?? '', state: m.state, read_ts: m.read_ts };
    }),
    my_state: c.members.get(forUserId)?.state ?? 'none',
    unread_message_count: store.unreadCount(c, forUserId),
    last_message: last ? feedMessage(store, c, last) : null,
    last_user_message: lastUser ? feedMessage(store, c, lastUser) : null,
  };
}
