/**
 * A channel summary of the sandbox feed as an entry of the conversation list: the support
 * channel's fields from the channel data contract (@sbsf/wire), as the UIKit preview shows them.
 */
import { describeSupportChannel, type SupportChannelEntry } from '@sbsf/wire';
import type { FeedChannelSummary } from './protocol.js';

/** Who wrote the channel's latest user message and when: null when nobody has, undefined when unknown. */
export function lastUserMessageOf(c: FeedChannelSummary): { senderId: string; createdAt: number } | null | undefined {
  const fromUser = (m: FeedChannelSummary['last_message']) =>
    m && m.type !== 'ADMM' && m.user ? { senderId: m.user.user_id, createdAt: m.created_at } : undefined;
  if (c.last_user_message !== undefined) return c.last_user_message ? (fromUser(c.last_user_message) ?? null) : null;
  if (!c.last_message) return null;
  return fromUser(c.last_message);
}

export function channelEntry(c: FeedChannelSummary): SupportChannelEntry {
  return describeSupportChannel({
    channelUrl: c.channel_url,
    name: c.name,
    data: c.data,
    createdAt: c.created_at,
    lastUserMessage: lastUserMessageOf(c),
  });
}
