/**
 * How a message list is laid out: a day separator when the day changes, admin messages on their
 * own, and consecutive messages of one sender within a few minutes grouped under one name.
 */
import type { FeedMessage } from './protocol.js';

/** Messages of one sender further apart than this start a new group. */
export const GROUP_GAP_MS = 5 * 60_000;

export type MessageRow =
  | { kind: 'day'; key: string; day: string; at: number }
  | { kind: 'admin'; key: string; message: FeedMessage }
  | { kind: 'group'; key: string; senderId: string; senderName: string; mine: boolean; messages: FeedMessage[] };

export interface GroupOptions {
  /** The viewer's user id: their groups are `mine`. */
  myUserId: string;
  /** Calendar day of a timestamp (local time by default; tests pass a fixed zone). */
  dayOf?: (ms: number) => string;
  gapMs?: number;
}

export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The name shown for a sender: nickname, else user id. */
export function senderName(m: FeedMessage): string {
  return m.user?.nickname?.trim() || m.user?.user_id || 'Unknown';
}

export function groupMessages(messages: readonly FeedMessage[], opts: GroupOptions): MessageRow[] {
  const dayOf = opts.dayOf ?? localDay;
  const gap = opts.gapMs ?? GROUP_GAP_MS;
  const rows: MessageRow[] = [];
  let day: string | undefined;
  let group: Extract<MessageRow, { kind: 'group' }> | undefined;
  for (const m of messages) {
    const d = dayOf(m.created_at);
    if (d !== day) {
      day = d;
      group = undefined;
      rows.push({ kind: 'day', key: `day-${d}`, day: d, at: m.created_at });
    }
    if (m.type === 'ADMM' || !m.user) {
      group = undefined;
      rows.push({ kind: 'admin', key: `m-${m.message_id}`, message: m });
      continue;
    }
    const last = group?.messages[group.messages.length - 1];
    if (group && last && group.senderId === m.user.user_id && m.created_at - last.created_at <= gap) {
      group.messages.push(m);
      continue;
    }
    group = {
      kind: 'group',
      key: `g-${m.message_id}`,
      senderId: m.user.user_id,
      senderName: senderName(m),
      mine: m.user.user_id === opts.myUserId,
      messages: [m],
    };
    rows.push(group);
  }
  return rows;
}
