/**
 * What the UIKit channel list's preview of a support channel shows (UIKitPanel's
 * `renderChannelPreview`): the same fields as the sandbox pane's list, from the same wire
 * contract (@sbsf/wire describeSupportChannel). Framework-free, so tests run it on Node with a
 * channel object shaped as the chat SDK's GroupChannel.
 */
import { describeSupportChannel, supportChannelLabel, waitingSpoken, waitingText, type SupportChannelEntry } from '@sbsf/wire';

/** The part of the SDK's BaseMessage (UserMessage, FileMessage, AdminMessage) the preview reads. */
export interface PreviewMessage {
  /** 'user' | 'file' | 'admin' (the SDK's MessageType). */
  messageType: string;
  createdAt: number;
  /** UserMessage and AdminMessage. */
  message?: string;
  /** FileMessage. */
  name?: string;
  /** UserMessage and FileMessage. */
  sender?: { userId: string; nickname?: string } | null;
}

/** The part of the SDK's GroupChannel the preview reads (a GroupChannel is one). */
export interface PreviewChannel {
  url: string;
  name: string;
  data: string;
  createdAt: number;
  unreadMessageCount: number;
  lastMessage: PreviewMessage | null;
}

export interface SupportPreview extends SupportChannelEntry {
  unread: number;
  /** "waiting 12 min", or undefined. */
  waiting?: string;
  /** The same for a screen reader: "waiting 12 minutes". */
  waitingSpoken?: string;
  /** "Dana: Hello", "Admin message text", or "No messages yet". */
  lastText: string;
  /** What the preview's accessible name reads: the fields in order. */
  label: string;
}

export function supportPreview(channel: PreviewChannel, now: number): SupportPreview {
  const last = channel.lastMessage;
  const fromUser = last && last.messageType !== 'admin' && last.sender ? last : null;
  const entry = describeSupportChannel({
    channelUrl: channel.url,
    name: channel.name,
    data: channel.data,
    createdAt: channel.createdAt,
    // The SDK's GroupChannel knows only its latest message: after an admin message (a handover,
    // the Case closed) who wrote last is unknown, so no waiting time is shown then.
    lastUserMessage: !last ? null : fromUser?.sender ? { senderId: fromUser.sender.userId, createdAt: fromUser.createdAt } : undefined,
  });
  const unread = Math.max(0, channel.unreadMessageCount || 0);
  const body = last ? (last.message ?? last.name ?? '') : '';
  const sender = fromUser?.sender ? fromUser.sender.nickname || fromUser.sender.userId : '';
  return {
    ...entry,
    unread,
    ...(entry.waitingSince !== undefined
      ? { waiting: waitingText(entry.waitingSince, now), waitingSpoken: waitingSpoken(entry.waitingSince, now) }
      : {}),
    lastText: !last ? 'No messages yet' : sender ? `${sender}: ${body}` : body,
    label: supportChannelLabel(entry, unread, now),
  };
}
